using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Garnet;
using Garnet.server;

namespace CertStream.Tests.Infrastructure;

/// <summary>
/// A real Redis-protocol server for integration tests: <c>redis-server</c> from PATH when it is
/// installed (CI installs it), else an in-process Garnet server, so that <c>dotnet test</c> also
/// passes on a machine with only the .NET SDK. <c>CERTSTREAM_TEST_REDIS=garnet</c> forces Garnet.
/// Each instance owns a free loopback port and can be stopped and started again on it.
/// </summary>
public sealed class RedisTestServer : IAsyncDisposable
{
    private readonly string? _redisServerPath;
    private Process? _process;
    private GarnetServer? _garnet;

    private RedisTestServer(int port, string? redisServerPath)
    {
        Port = port;
        _redisServerPath = redisServerPath;
    }

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

    /// <summary>Starts the server (again) on the same port.</summary>
    public async Task StartAgainAsync(CancellationToken ct = default)
    {
        if (IsRunning)
        {
            return;
        }

        if (_redisServerPath is null)
        {
            _garnet = new GarnetServer(new GarnetServerOptions
            {
                EndPoints = [new IPEndPoint(IPAddress.Loopback, Port)],
                QuietMode = true,
                LogMemorySize = "64m",
                IndexMemorySize = "16m",
                EnableLua = true, // leases and cursor saves are Lua scripts
                LuaOptions = new LuaOptions(logger: null),
            }, loggerFactory: null);
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
