using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CertStream.DevRedis;
using Garnet;

namespace CertStream.Tests.Infrastructure;

/// <summary>
/// A real Redis-protocol server for integration tests: <c>redis-server</c> from PATH when it is
/// installed (CI installs it), else an in-process Garnet server (CertStream.DevRedis's), so that <c>dotnet test</c> also
/// passes on a machine with only the .NET SDK. <c>CERTSTREAM_TEST_REDIS=garnet</c> forces Garnet.
/// Each instance owns a free loopback port and can be stopped and started again on it.
/// </summary>
public sealed class RedisTestServer : IAsyncDisposable
{
    private readonly string? _redisServerPath;
    private Process? _process;
    private GarnetServer? _garnet;

    private readonly string? _dataDirectory;

    private RedisTestServer(int port, string? redisServerPath, string? dataDirectory = null)
    {
        Port = port;
        _redisServerPath = redisServerPath;
        _dataDirectory = dataDirectory;
    }

    /// <summary>True when a saved RDB survives a restart (redis-server with a data directory).</summary>
    public bool Persists => _redisServerPath is not null && _dataDirectory is not null;

    public int Port { get; }

    public string Kind => _redisServerPath is null ? "garnet" : "redis-server";

    public string ConnectionString => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false } || _garnet is not null;

    public static async Task<RedisTestServer> StartAsync(CancellationToken ct = default)
    {
        var server = new RedisTestServer(FreePort(), FindRedisServer());
        await server.StartAgainAsync(ct);
        return server;
    }

    /// <summary>
    /// A server that keeps its RDB file in <paramref name="dataDirectory"/> (redis-server only; no automatic
    /// saves: <see cref="SaveAsync"/> writes one, <see cref="DeleteData"/> removes it so a restart starts empty).
    /// </summary>
    public static async Task<RedisTestServer> StartPersistentAsync(string dataDirectory, CancellationToken ct = default)
    {
        Directory.CreateDirectory(dataDirectory);
        var server = new RedisTestServer(FreePort(), FindRedisServer(), dataDirectory);
        await server.StartAgainAsync(ct);
        return server;
    }

    /// <summary>SAVE: the RDB a restart loads (<see cref="Persists"/>).</summary>
    public async Task SaveAsync(CancellationToken ct = default)
    {
        if (!Persists)
        {
            throw new InvalidOperationException("this server keeps no data across restarts");
        }

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, ct);
        var stream = client.GetStream();
        await stream.WriteAsync("SAVE\r\n"u8.ToArray(), ct);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer, ct);
        var answer = Encoding.ASCII.GetString(buffer, 0, read);
        if (!answer.StartsWith("+OK", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("SAVE failed: " + answer.Trim());
        }
    }

    /// <summary>Removes the saved RDB (the server must be stopped): the next start is empty.</summary>
    public void DeleteData()
    {
        if (_dataDirectory is not null)
        {
            File.Delete(Path.Combine(_dataDirectory, "dump.rdb"));
        }
    }

    /// <summary>Starts the server (again) on the same port.</summary>
    public async Task StartAgainAsync(CancellationToken ct = default)
    {
        if (IsRunning)
        {
            return;
        }

        if (_redisServerPath is null)
        {
            _garnet = DevGarnet.Create(new IPEndPoint(IPAddress.Loopback, Port));
            _garnet.Start();
        }
        else
        {
            var psi = new ProcessStartInfo(_redisServerPath)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no" })
            {
                psi.ArgumentList.Add(arg);
            }

            if (_dataDirectory is not null)
            {
                foreach (var arg in new[] { "--dir", _dataDirectory, "--dbfilename", "dump.rdb" })
                {
                    psi.ArgumentList.Add(arg);
                }
            }

            _process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start");
            _process.OutputDataReceived += static (_, _) => { };
            _process.ErrorDataReceived += static (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        await WaitForPongAsync(ct);
    }

    /// <summary>Stops the server; connected clients see the connection drop.</summary>
    public async Task StopAsync()
    {
        if (_garnet is not null)
        {
            _garnet.Dispose();
            _garnet = null;
        }

        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            _process = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task WaitForPongAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, ct);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), ct);
                var buffer = new byte[64];
                var read = await stream.ReadAsync(buffer, ct);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
            }

            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode}");
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"{Kind} on port {Port} did not answer PING");
            }

            // Polling a port that a child process opens: there is no signal to wait on.
            await Task.Delay(20, ct);
        }
    }

    private static string? FindRedisServer()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("CERTSTREAM_TEST_REDIS"), "garnet", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
