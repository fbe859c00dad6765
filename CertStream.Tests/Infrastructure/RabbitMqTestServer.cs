using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CertStream.Tests.Infrastructure;

/// <summary>
/// A private RabbitMQ node for integration tests: Debian's <c>rabbitmq-server</c> (CI installs it) run
/// as a child process with its own node name, free AMQP, distribution and epmd ports on loopback, and
/// its data, logs and configuration in a temporary folder, so it never meets the distribution's
/// service or another test's node. Its epmd is started here too (in the foreground, so it is stopped
/// by PID). <see cref="StopAsync"/> and <see cref="StartAgainAsync"/> restart it on the same ports and
/// data: durable queues and persistent messages survive, as in production.
/// </summary>
public sealed class RabbitMqTestServer : IAsyncDisposable
{
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private const string CtlScript = "/usr/lib/rabbitmq/bin/rabbitmqctl";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly string _directory;
    private readonly Dictionary<string, string> _environment;
    private readonly StringBuilder _output = new();
    private Process? _epmd;
    private Process? _server;

    private RabbitMqTestServer(string directory)
    {
        _directory = directory;
        Port = RedisTestServer.FreePort();
        DistPort = RedisTestServer.FreePort();
        EpmdPort = RedisTestServer.FreePort();
        NodeName = $"certstream-test-{Guid.NewGuid():N}"[..28] + "@localhost";
        foreach (var sub in new[] { "mnesia", "log", "home" })
        {
            Directory.CreateDirectory(Path.Combine(directory, sub));
        }

        File.WriteAllText(Path.Combine(directory, "enabled_plugins"), "[].");
        File.WriteAllText(Path.Combine(directory, "rabbitmq-env.conf"), "");
        // Loopback only; a busy CI disk must not raise the free-disk alarm (which blocks publishers).
        File.WriteAllText(Path.Combine(directory, "rabbitmq.conf"),
            $"listeners.tcp.1 = 127.0.0.1:{Port}\ndisk_free_limit.absolute = 1MB\n");
        _environment = new Dictionary<string, string>
        {
            ["HOME"] = Path.Combine(directory, "home"),
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = Port.ToString(),
            ["RABBITMQ_DIST_PORT"] = DistPort.ToString(),
            ["ERL_EPMD_PORT"] = EpmdPort.ToString(),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(directory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(directory, "log"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(directory, "rabbitmq.conf"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(directory, "enabled_plugins"),
            ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(directory, "rabbitmq-env.conf"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(directory, "rabbit.pid"),
        };
    }

    /// <summary>Why the RabbitMQ tests cannot run here, or null when they can.</summary>
    public static string? MissingReason =>
        File.Exists(ServerScript) && FindEpmd() is not null
            ? null
            : $"rabbitmq-server is not installed ({ServerScript} or epmd missing): apt-get install -y rabbitmq-server (CI does)";

    public int Port { get; }

    public int DistPort { get; }

    public int EpmdPort { get; }

    public string NodeName { get; }

    /// <summary>The connection string the services take (<c>ConnectionStrings__rabbitmq</c>).</summary>
    public string ConnectionString => $"amqp://guest:guest@127.0.0.1:{Port}/";

    public bool IsRunning => _server is { HasExited: false };

    public static async Task<RabbitMqTestServer> StartAsync(CancellationToken ct)
    {
        var server = new RabbitMqTestServer(Path.Combine(Path.GetTempPath(), "certstream-rabbit-" + Guid.NewGuid().ToString("N")[..12]));
        try
        {
            await server.StartAgainAsync(ct);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Starts the node (again) on the same ports and data; returns when it accepts AMQP connections.</summary>
    public async Task StartAgainAsync(CancellationToken ct)
    {
        if (IsRunning)
        {
            return;
        }

        if (_epmd is null or { HasExited: true })
        {
            _epmd?.Dispose();
            _epmd = Start(FindEpmd()!, ["-port", EpmdPort.ToString(), "-address", "127.0.0.1"]);
        }

        _server?.Dispose();
        _server = Start(ServerScript, []);
        await WaitForAmqpAsync(ct);
    }

    /// <summary>Stops the node the way an operator does (rabbitmqctl stop); clients see their connections close.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (!IsRunning)
        {
            return;
        }

        using (var ctl = Start(CtlScript, ["-n", NodeName, "stop"]))
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(60));
            try
            {
                await ctl.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                ctl.Kill(entireProcessTree: true);
            }
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await _server!.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            _server!.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>The server's console output so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
        }

        foreach (var process in new[] { _server, _epmd })
        {
            if (process is { HasExited: false })
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process?.Dispose();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private Process Start(string executable, string[] arguments)
    {
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        // Nothing of the machine's RabbitMQ settings: only this node's.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("RABBITMQ_", StringComparison.Ordinal) || k.StartsWith("ERL_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        foreach (var (key, value) in _environment)
        {
            psi.Environment[key] = value;
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException($"{executable} did not start");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private async Task WaitForAmqpAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_server is { HasExited: true })
            {
                throw new InvalidOperationException($"rabbitmq-server exited with code {_server.ExitCode}:\n{Output}");
            }

            try
            {
                // The AMQP 0-9-1 greeting: the node answers with its connection.start method.
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, ct);
                var stream = client.GetStream();
                await stream.WriteAsync("AMQP\0\0\x09\x01"u8.ToArray(), ct);
                var buffer = new byte[8];
                if (await stream.ReadAsync(buffer, ct) > 0 && buffer[0] == 1)
                {
                    return;
                }
            }
            catch (SocketException)
            {
            }
            catch (IOException)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"rabbitmq-server on port {Port} did not accept AMQP within {StartTimeout.TotalSeconds:0} s:\n{Output}");
            }

            // Polling a port that a child process opens: there is no signal to wait on.
            await Task.Delay(100, ct);
        }
    }

    private static string? FindEpmd()
    {
        foreach (var candidate in new[] { "/usr/bin/epmd", "/usr/lib/erlang/bin/epmd" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return Directory.Exists("/usr/lib/erlang") ? Directory.EnumerateFiles("/usr/lib/erlang", "epmd", SearchOption.AllDirectories).FirstOrDefault() : null;
    }
}
