using System.Net;
using System.Text.RegularExpressions;
using CertStream.CtLogSimulator;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Gateway.Access;

/// <summary>
/// A service whose Redis is unreachable keeps running: one warning per interval naming the Redis
/// endpoint, readiness 503, no stack traces and nothing per probe; once Redis answers, one line
/// says so and readiness is 200 again.
/// </summary>
public sealed partial class RedisOutageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>The monitor's interval between warnings (RedisAvailabilityMonitor.WarnEvery).</summary>
    private static readonly TimeSpan WarnEvery = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(ServiceProcess.Gateway)]
    [InlineData(ServiceProcess.Ingestor)]
    public async Task AnUnreachableRedisIsOneWarningPerIntervalAndReadinessFollowsIt(string service)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisTestServer.StartAsync(ct);
        await redis.StopAsync();
        await using var logs = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var started = DateTime.UtcNow;
        await using var process = ServiceProcess.Start(service, new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["CERTSTREAM_CT_LOGS_URL"] = logs.LogListUrl,
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        var unreachable = $"Redis {redis.ConnectionString} unreachable";
        await Eventually.TrueAsync(() => process.Stdout.Any(l => l.Contains(unreachable)), Patience, "a warning names the endpoint", ct);
        var health = await HealthUrlAsync(process, ct);
        for (var probe = 0; probe < 5; probe++)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(health, ct)).StatusCode);
        }

        await redis.StartAgainAsync(ct);
        await Eventually.TrueAsync(async () => (await http.GetAsync(health, ct)).StatusCode == HttpStatusCode.OK, Patience, "readiness follows Redis", ct);
        await Eventually.TrueAsync(() => process.Stdout.Any(l => l.Contains($"Redis {redis.ConnectionString} reachable again")), Patience, "the recovery is logged", ct);
        var elapsed = DateTime.UtcNow - started;

        var output = process.Stdout;
        Assert.Single(output, l => l.Contains("reachable again"));
        var warnings = output.Count(l => l.Contains(unreachable));
        Assert.InRange(warnings, 1, (int)(elapsed / WarnEvery) + 1);
        Assert.DoesNotContain(output, l => l.Contains("Health check", StringComparison.Ordinal));
        StartupErrorTests.AssertNoStackTrace(output, process.Stderr);
    }

    private static async Task<string> HealthUrlAsync(ServiceProcess process, CancellationToken ct)
    {
        string? address = null;
        await Eventually.TrueAsync(() =>
        {
            address = process.Stdout.Select(l => ListeningOn().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value;
            return address is not null;
        }, Patience, "the service listens", ct);
        return address + "/health";
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();
}
