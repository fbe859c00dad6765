using System.Net;
using System.Net.Sockets;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Gateway.Access;

/// <summary>
/// The built services, run as processes with a bad setting, stop with exit code 1 and one line
/// on stderr naming the setting: no unhandled exception, no stack trace, no SIGABRT (134).
/// </summary>
public sealed class StartupErrorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    public static readonly TheoryData<string, string, string, string> BadSettings = new()
    {
        { ServiceProcess.Gateway, "CERTSTREAM_BUFFER_SIZE", "0", "buffer_size (CERTSTREAM_BUFFER_SIZE)" },
        { ServiceProcess.Gateway, "CERTSTREAM_PORT", "70000", "port (CERTSTREAM_PORT)" },
        { ServiceProcess.Gateway, "CERTSTREAM_HOST", "example.com", "host (CERTSTREAM_HOST)" },
        { ServiceProcess.Gateway, "CERTSTREAM_LOG_LEVEL", "loud", "log_level (CERTSTREAM_LOG_LEVEL)" },
        { ServiceProcess.Gateway, "CERTSTREAM_CONFIG", "/nonexistent/certstream.yaml", "CERTSTREAM_CONFIG" },
        { ServiceProcess.Gateway, "ConnectionStrings__redis", "", "ConnectionStrings:redis (ConnectionStrings__redis)" },
        { ServiceProcess.Ingestor, "CERTSTREAM_LOG_LEVEL", "loud", "log_level (CERTSTREAM_LOG_LEVEL)" },
        { ServiceProcess.Ingestor, "CERTSTREAM_CT_LOG_BATCH_SIZE", "0", "batch_size (CERTSTREAM_CT_LOG_BATCH_SIZE)" },
        // Not a number at all: the binder's error, as one line (it used to be exit code 70 with a stack trace).
        { ServiceProcess.Ingestor, "CERTSTREAM_CT_LOG_BATCH_SIZE", "lots", "ct_log:batch_size (CERTSTREAM_CT_LOG_BATCH_SIZE)" },
        { ServiceProcess.Ingestor, "CERTSTREAM_CT_LOGS_URL", "not a url", "ct_logs_url (CERTSTREAM_CT_LOGS_URL)" },
        { ServiceProcess.Ingestor, "ConnectionStrings__redis", "", "ConnectionStrings:redis (ConnectionStrings__redis)" },
        { ServiceProcess.Ingestor, "CERTSTREAM_INGESTOR_PORT", "70000", "ingestor:port (CERTSTREAM_INGESTOR_PORT)" },
        { ServiceProcess.Ingestor, "CERTSTREAM_INGESTOR_HOST", "example.com", "ingestor:host (CERTSTREAM_INGESTOR_HOST)" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task ABadSettingStopsTheServiceWithOneLineNamingIt(string service, string variable, string value, string key)
    {
        var environment = Quiet(new Dictionary<string, string> { [variable] = value });
        var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync(service, environment, Patience, TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        var line = Assert.Single(stderr);
        Assert.Contains(key, line);
        AssertNoStackTrace(stdout, stderr);
    }

    [Fact]
    public async Task ATakenGatewayPortIsOneLineNamingTheSetting()
    {
        using var taken = Occupy();
        var environment = Quiet(new Dictionary<string, string> { ["CERTSTREAM_HOST"] = "127.0.0.1", ["CERTSTREAM_PORT"] = taken.Port.ToString() });
        var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync(ServiceProcess.Gateway, environment, Patience, TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        var line = Assert.Single(stderr);
        Assert.Contains("CERTSTREAM_PORT", line);
        Assert.Contains($"127.0.0.1:{taken.Port}", line);
        AssertNoStackTrace(stdout, stderr);
    }

    [Fact]
    public async Task ATakenRawTcpPortIsOneLineNamingTheSetting()
    {
        using var taken = Occupy();
        var environment = Quiet(new Dictionary<string, string>
        {
            ["CERTSTREAM_HOST"] = "127.0.0.1",
            ["CERTSTREAM_PORT"] = "0",
            ["CERTSTREAM_TCP_ENABLED"] = "true",
            ["CERTSTREAM_TCP_PORT"] = taken.Port.ToString(),
        });
        var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync(ServiceProcess.Gateway, environment, Patience, TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        var line = Assert.Single(stderr);
        Assert.Contains("protocols:tcp_port (CERTSTREAM_TCP_PORT)", line);
        Assert.Contains(taken.Port.ToString(), line);
        AssertNoStackTrace(stdout, stderr);
    }

    [Fact]
    public async Task ATakenIngestorPortIsOneLineNamingTheSetting()
    {
        using var taken = Occupy();
        var environment = Quiet(new Dictionary<string, string> { ["CERTSTREAM_INGESTOR_HOST"] = "127.0.0.1", ["CERTSTREAM_INGESTOR_PORT"] = taken.Port.ToString() });
        var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync(ServiceProcess.Ingestor, environment, Patience, TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        var line = Assert.Single(stderr);
        Assert.Contains("CERTSTREAM_INGESTOR_PORT", line);
        Assert.Contains($"127.0.0.1:{taken.Port}", line);
        AssertNoStackTrace(stdout, stderr);
    }

    [Fact]
    public async Task ATakenPortFromAspNetCoreUrlsNamesThatSetting()
    {
        using var taken = Occupy();
        var environment = Quiet(new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{taken.Port}" });
        var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync(ServiceProcess.Ingestor, environment, Patience, TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        Assert.Contains("urls (ASPNETCORE_URLS)", Assert.Single(stderr));
        AssertNoStackTrace(stdout, stderr);
    }

    [Fact]
    public async Task TheIngestorListensOnItsOwnPortSetting()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = ServiceProcess.FreePort();
        await using var ingestor = ServiceProcess.Start(ServiceProcess.Ingestor,
            Quiet(new Dictionary<string, string> { ["CERTSTREAM_INGESTOR_HOST"] = "127.0.0.1", ["CERTSTREAM_INGESTOR_PORT"] = port.ToString() }));

        await Eventually.TrueAsync(() => ingestor.Stdout.Any(l => l.Contains($"Now listening on: http://127.0.0.1:{port}")), Patience, "the ingestor listens on ingestor:port", ct);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/alive", ct)).StatusCode);
    }

    /// <summary>Settings every run needs, so that only the one under test is wrong: a Redis that refuses connections.</summary>
    internal static Dictionary<string, string> Quiet(Dictionary<string, string> settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = $"127.0.0.1:{ServiceProcess.FreePort()}",
            ["CERTSTREAM_CT_LOGS_URL"] = "http://127.0.0.1:9/log_list.json",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["CERTSTREAM_PORT"] = "0",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        // The services' own host/port settings apply only without ASP.NET Core URLs.
        string[] own = ["CERTSTREAM_PORT", "CERTSTREAM_HOST", "CERTSTREAM_INGESTOR_PORT", "CERTSTREAM_INGESTOR_HOST"];
        if (own.Any(settings.ContainsKey) && !settings.ContainsKey("ASPNETCORE_URLS"))
        {
            environment.Remove("ASPNETCORE_URLS");
        }

        return environment;
    }

    internal static void AssertNoStackTrace(IReadOnlyList<string> stdout, IReadOnlyList<string> stderr)
    {
        foreach (var line in stdout.Concat(stderr))
        {
            Assert.DoesNotContain("Unhandled exception", line);
            Assert.DoesNotContain("   at ", line);
        }
    }

    internal static TakenPort Occupy() => new();

    /// <summary>A loopback port held open for the test's duration.</summary>
    internal sealed class TakenPort : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public TakenPort() => _listener.Start();

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Dispose() => _listener.Stop();
    }
}
