using CertStream.Tests.SystemTests.Support;

namespace CertStream.Tests.SystemTests;

/// <summary>
/// Issue 9: SIGTERM of the only ingestor under load. It exits 0 having saved its cursors; a new ingestor on
/// the same Redis resumes each log from them: a client connected throughout sees no gap and at most
/// <see cref="MaxReplayPerLog"/> indices again per log.
/// </summary>
public sealed class IngestorShutdownTests
{
    /// <summary>The replay bound per log: one batch of fetches in flight (fetch_concurrency 4 × 256).</summary>
    private const long MaxReplayPerLog = 1024;

    [Fact]
    public async Task Sigterm_saves_the_cursors_a_new_ingestor_resumes_from()
    {
        await using var system = CertStreamSystem.Create();
        var redis = await system.StartRedisAsync();
        var simulator = await system.StartSimulatorAsync(new Dictionary<string, string>
        {
            ["Rfc6962Logs"] = "1",
            ["TiledLogs"] = "1",
            ["InitialSize"] = "100",
            ["EntriesPerSecond"] = "50",
        });
        var gateway = await system.StartGatewayAsync(redis);
        await using var client = await RecordingClient.ConnectAsync(gateway, Transport.WebSocket);
        var first = await system.StartIngestorAsync(redis, simulator);
        var logs = await simulator.LogsAsync();
        await client.WaitPastAsync(logs, 100, TimeSpan.FromSeconds(120),
            "both logs are followed under load");

        first.Process.Terminate(); // SIGTERM
        var exitCode = await first.Process.WaitForExitAsync(TimeSpan.FromSeconds(60), CertStreamSystem.Ct);
        Assert.True(exitCode == 0, $"the ingestor exited {exitCode} on SIGTERM:\n{first.Process.Tail()}");

        await system.StartIngestorAsync(redis, simulator);
        var sizes = await simulator.LogsAsync();
        await client.WaitPastAsync(sizes, 100, TimeSpan.FromSeconds(120),
            "both logs stream 100 entries past the restart");

        client.AssertNoGaps(logs, MaxReplayPerLog);
    }
}
