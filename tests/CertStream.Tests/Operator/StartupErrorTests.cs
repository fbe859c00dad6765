using System.Net;
using System.Net.Sockets;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Operator;

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
        { ServiceProcess.Ingestor, "CERTSTREAM_CT_LOGS_URL", "not a url", "ct_logs_url (CERTSTREAM_CT_LOGS_URL)" },
        { ServiceProcess.Ingestor, "ConnectionStrings__redis", "", "ConnectionStrings:redis (ConnectionStrings__redis)" },
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

        // The gateway's own host/port apply only without ASP.NET Core URLs.
        if (settings.ContainsKey("CERTSTREAM_PORT") || settings.ContainsKey("CERTSTREAM_HOST"))
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
