using System.Net;
using System.Net.Sockets;
using CertStream.Tests.Gateway.Access;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.ServiceDefaults.Hosting;

/// <summary>
/// The operator switches of every service (README "Operator CLI"), run on the built services as
/// processes: <c>--validate-config</c> prints every problem and exits 1, or says the configuration
/// is valid and exits 0, in both cases without connecting anywhere or listening; <c>--version</c>
/// and <c>--help</c> print and exit 0.
/// </summary>
public sealed class OperatorCliTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    public static readonly TheoryData<string, string> Services = new()
    {
        { ServiceProcess.Ingestor, "certstream-ingestor" },
        { ServiceProcess.Gateway, "certstream-gateway" },
        { ServiceProcess.Proxy, "certstream-proxy" },
        { ServiceProcess.Simulator, "certstream-ct-log-simulator" },
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Services))]
    public async Task VersionPrintsTheVersionCommitAndRuntime(string project, string service)
    {
        var run = await RunAsync(project, new Dictionary<string, string>(), ["--version"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Matches($@"^{service} \d+\.\d+\.\d+", run.Stdout[0]);
        Assert.Contains(run.Stdout, l => l.StartsWith("informational version: ", StringComparison.Ordinal));
        Assert.Contains(run.Stdout, l => l.StartsWith("commit: ", StringComparison.Ordinal));
        Assert.Contains(run.Stdout, l => l.StartsWith("runtime: .NET ", StringComparison.Ordinal));
        Assert.Empty(run.Stderr);
    }

    [Fact]
    public async Task HelpListsTheSwitches()
    {
        var run = await RunAsync(ServiceProcess.Gateway, new Dictionary<string, string>(), ["--help"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(run.Stdout, l => l.TrimStart().StartsWith("--validate-config", StringComparison.Ordinal));
        Assert.Contains(run.Stdout, l => l.TrimStart().StartsWith("--version", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Stdout, l => l.Contains("Now listening", StringComparison.Ordinal));
    }

    /// <summary>
    /// A valid configuration whose Redis, CT log list, gateways and HTTP port all point at one
    /// loopback listener that never answers: the check passes and nothing connects to it (a start
    /// would: see <see cref="TheTrapSeesTheConnectionsOfARealStart"/>) or binds its port.
    /// </summary>
    [Theory]
    [MemberData(nameof(Services))]
    public async Task AValidConfigurationIsValidWithoutConnectingAnywhere(string project, string service)
    {
        using var trap = new ConnectionTrap();
        var directory = Directory.CreateTempSubdirectory("certstream-cli-");
        try
        {
            var file = Path.Combine(directory.FullName, "certstream.yaml");
            await File.WriteAllTextAsync(file, "log_level: warn\nbuffer_size: 500\nct_log:\n  batch_size: 128\n", Ct);
            var environment = trap.Settings(new Dictionary<string, string> { ["CERTSTREAM_CONFIG"] = file });

            var run = await RunAsync(project, environment, ["--validate-config"], directory.FullName);

            Assert.True(run.ExitCode == 0, string.Join('\n', run.Stdout.Concat(run.Stderr)));
            var line = Assert.Single(run.Stdout);
            Assert.StartsWith($"{service}: configuration is valid", line);
            if (project != ServiceProcess.Simulator)
            {
                Assert.Contains(file, line); // the simulator does not read CertStream's config file
            }

            Assert.Empty(run.Stderr);
            Assert.Equal(0, trap.Connections);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    public static readonly TheoryData<string, Dictionary<string, string>, string[], string[]> SeveralProblems = new()
    {
        {
            ServiceProcess.Ingestor,
            new()
            {
                ["CERTSTREAM_LOG_LEVEL"] = "loud",
                ["CERTSTREAM_INGESTOR_PORT"] = "70000",
                ["CERTSTREAM_CT_LOGS_URL"] = "not a url",
                ["ct_log__fetch_concurrency"] = "many",
                ["ConnectionStrings__redis"] = "",
            },
            // Settings on the command line after the switch, as on a start.
            ["--ct_log:batch_size", "0", "--verification:on_failure", "explode"],
            [
                "log_level (CERTSTREAM_LOG_LEVEL)", "ingestor:port (CERTSTREAM_INGESTOR_PORT)", "ct_logs_url (CERTSTREAM_CT_LOGS_URL)",
                "ct_log:fetch_concurrency", "ConnectionStrings:redis (ConnectionStrings__redis)", "ct_log:batch_size (CERTSTREAM_CT_LOG_BATCH_SIZE)",
                "verification:on_failure",
            ]
        },
        {
            ServiceProcess.Gateway,
            new()
            {
                ["CERTSTREAM_BUFFER_SIZE"] = "0",
                ["CERTSTREAM_HOST"] = "example.com",
                ["CERTSTREAM_TCP_PORT"] = "99999",
                ["CERTSTREAM_AUTH_ENABLED"] = "true",
                ["CERTSTREAM_RATE_LIMIT_PER_SECOND"] = "fast",
                ["CERTSTREAM_LOG_LEVEL"] = "loud",
            },
            [],
            [
                "buffer_size (CERTSTREAM_BUFFER_SIZE)", "host (CERTSTREAM_HOST)", "protocols:tcp_port (CERTSTREAM_TCP_PORT)",
                "auth:tokens (CERTSTREAM_AUTH_TOKENS)", "rate_limit:per_second (CERTSTREAM_RATE_LIMIT_PER_SECOND)", "log_level (CERTSTREAM_LOG_LEVEL)",
            ]
        },
        {
            ServiceProcess.Proxy,
            new() { ["Proxy__Gateways__0"] = "ftp://gateway", ["Proxy__DnsRefreshSeconds"] = "0", ["CERTSTREAM_LOG_LEVEL"] = "loud" },
            [],
            ["Proxy:Gateways:0", "Proxy:DnsRefreshSeconds", "log_level (CERTSTREAM_LOG_LEVEL)"]
        },
        {
            ServiceProcess.Simulator,
            new() { ["Simulator__EntriesPerSecond"] = "-5", ["Simulator__Rfc6962Logs"] = "-1" },
            [],
            ["Simulator:EntriesPerSecond", "Simulator:Rfc6962Logs"]
        },
    };

    [Theory]
    [MemberData(nameof(SeveralProblems))]
    public async Task SeveralProblemsAreAllPrintedAndExitOne(string project, Dictionary<string, string> settings, string[] arguments, string[] keys)
    {
        using var trap = new ConnectionTrap();
        var environment = trap.Settings(settings);

        var run = await RunAsync(project, environment, ["--validate-config", .. arguments]);

        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}\n" + string.Join('\n', run.Stdout.Concat(run.Stderr)));
        var problems = run.Stderr.SkipLast(1).ToList();
        foreach (var key in keys)
        {
            Assert.True(problems.Count(p => p.Contains(key, StringComparison.Ordinal)) == 1, $"one line names {key}:\n{string.Join('\n', run.Stderr)}");
        }

        Assert.Equal(keys.Length, problems.Count);
        Assert.Contains($"configuration is invalid: {keys.Length} problems", run.Stderr[^1]);
        Assert.Empty(run.Stdout);
        StartupErrorTests.AssertNoStackTrace(run.Stdout, run.Stderr);
        Assert.Equal(0, trap.Connections);
    }

    [Fact]
    public async Task AMissingConfigFileAndABadValueAreBothReported()
    {
        var environment = StartupErrorTests.Quiet(new Dictionary<string, string>
        {
            ["CERTSTREAM_CONFIG"] = "/nonexistent/certstream.yaml",
            ["CERTSTREAM_BUFFER_SIZE"] = "0",
        });

        var run = await RunAsync(ServiceProcess.Gateway, environment, ["--validate-config"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.Stderr, l => l.Contains("CERTSTREAM_CONFIG: config file '/nonexistent/certstream.yaml' does not exist", StringComparison.Ordinal));
        Assert.Contains(run.Stderr, l => l.Contains("buffer_size (CERTSTREAM_BUFFER_SIZE)", StringComparison.Ordinal));
    }

    /// <summary>The control for the checks above: a real start of the same configuration does connect to the trap.</summary>
    [Fact]
    public async Task TheTrapSeesTheConnectionsOfARealStart()
    {
        using var trap = new ConnectionTrap();
        await using var ingestor = ServiceProcess.Start(ServiceProcess.Ingestor, trap.Settings(new() { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" }));

        await Eventually.TrueAsync(() => trap.Connections > 0, Patience, "the ingestor connects to its Redis", Ct);
    }

    private static async Task<(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)> RunAsync(
        string project, IReadOnlyDictionary<string, string> environment, string[] arguments, string? workingDirectory = null)
    {
        var own = workingDirectory is null ? Directory.CreateTempSubdirectory("certstream-cli-") : null;
        try
        {
            await using var process = ServiceProcess.Start(project, ServiceProcess.DotnetHost, [ServiceProcess.DllOf(project), .. arguments],
                environment.ToDictionary(e => e.Key, e => (string?)e.Value), workingDirectory ?? own!.FullName);
            var exitCode = await process.WaitForExitAsync(Patience, Ct);
            return (exitCode, process.Stdout, process.Stderr);
        }
        finally
        {
            own?.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A loopback listener that accepts and never answers (for Redis, an unreachable server), and
    /// counts every connection made to it; its port also stands for every address a service listens on.
    /// </summary>
    private sealed class ConnectionTrap : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _accepted = [];
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        public ConnectionTrap()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        /// <summary>Accepted so far, plus any still waiting in the listen queue.</summary>
        public int Connections => Volatile.Read(ref _connections) + (_listener.Pending() ? 1 : 0);

        /// <summary>Settings of every service pointing at the trap, then <paramref name="settings"/>.</summary>
        public Dictionary<string, string> Settings(Dictionary<string, string> settings)
        {
            var environment = new Dictionary<string, string>
            {
                ["ConnectionStrings__redis"] = $"127.0.0.1:{Port}",
                ["CERTSTREAM_CT_LOGS_URL"] = $"http://127.0.0.1:{Port}/log_list.json",
                ["Proxy__Gateways__0"] = $"http://127.0.0.1:{Port}",
                // Its port is taken: a service that tried to listen there would fail.
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Port}",
                ["CERTSTREAM_TCP_ENABLED"] = "true",
                ["CERTSTREAM_TCP_PORT"] = Port.ToString(),
            };
            foreach (var (key, value) in settings)
            {
                environment[key] = value;
            }

            if (settings.ContainsKey("CERTSTREAM_HOST"))
            {
                environment.Remove("ASPNETCORE_URLS"); // the gateway's own host/port apply only without it
            }

            return environment;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_accepted)
            {
                _accepted.ForEach(c => c.Dispose());
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                    lock (_accepted)
                    {
                        _accepted.Add(client); // held open, never answered
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // Disposed.
            }
        }
    }
}
