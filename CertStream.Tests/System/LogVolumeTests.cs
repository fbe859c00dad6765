using CertStream.Tests.SystemTests.Support;

namespace CertStream.Tests.SystemTests;

/// <summary>
/// Issue 8 (3) and issue 9 (5): with default settings in Production, a healthy system at ~500 entries/s
/// writes a few log lines a minute per service (a per-log progress line, a clients summary), not a line
/// per HTTP request, Redis reconnect or client connection.
/// </summary>
public sealed class LogVolumeTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    /// <summary>Entries one service may write in the minute: per-log progress (2 logs), a clients summary, and some room.</summary>
    private const int MaxEntriesPerMinute = 8;

    [Fact]
    public async Task Production_run_at_500_entries_per_second_writes_a_few_lines_a_minute_per_service()
    {
        await using var system = CertStreamSystem.Create();
        var redis = await system.StartRedisAsync();
        var simulator = await system.StartSimulatorAsync(new Dictionary<string, string>
        {
            ["Rfc6962Logs"] = "1",
            ["TiledLogs"] = "1",
            ["InitialSize"] = "100",
            ["EntriesPerSecond"] = "250",
        });
        var gateway = await system.StartGatewayAsync(redis);
        var ingestor = await system.StartIngestorAsync(redis, simulator);
        await using var client = await RecordingClient.ConnectAsync(gateway, Transport.WebSocket);
        var tips = (await simulator.LogsAsync()).ToDictionary(l => l.Url, l => l.TreeSize);
        await client.WaitForAsync(c => tips.All(t => c.For(t.Key) is { } r && r.Max >= t.Value), TimeSpan.FromSeconds(120), "both logs are followed at the tip");

        // Steady state: count what each service writes over one minute, while clients come and go as they do.
        var ingestorBefore = ingestor.Process.Entries.Count;
        var gatewayBefore = gateway.Process.Entries.Count;
        var certificatesBefore = client.Certificates;
        var window = Task.Delay(Window, CertStreamSystem.Ct);
        var churn = 0;
        while (!window.IsCompleted)
        {
            await using (var visitor = await RecordingClient.ConnectAsync(gateway, Transport.WebSocket, name: "visitor"))
            {
                await visitor.WaitForAsync(c => c.Certificates > 0, TimeSpan.FromSeconds(60), "a visiting client gets a certificate");
            }

            churn++;
            await Task.WhenAny(window, Task.Delay(TimeSpan.FromSeconds(2), CertStreamSystem.Ct));
        }

        var ingestorLines = ingestor.Process.Entries.Skip(ingestorBefore).ToList();
        var gatewayLines = gateway.Process.Entries.Skip(gatewayBefore).ToList();
        var delivered = client.Certificates - certificatesBefore;
        TestContext.Current.TestOutputHelper?.WriteLine($"in {Window.TotalSeconds:0} s: {delivered} certificates delivered, {churn} visiting clients; "
            + $"ingestor wrote {ingestorLines.Count} entries, gateway {gatewayLines.Count}");

        Assert.False(client.Ended, client.Describe());
        Assert.True(delivered >= 100 * Window.TotalSeconds, $"the system streamed during the window ({delivered} certificates)");
        Assert.True(ingestorLines.Count <= MaxEntriesPerMinute,
            $"ingestor wrote {ingestorLines.Count} log entries in a quiet minute:\n" + string.Join('\n', ingestorLines.Take(30).Select(l => l.Text)));
        Assert.True(gatewayLines.Count <= MaxEntriesPerMinute,
            $"gateway wrote {gatewayLines.Count} log entries in a quiet minute:\n" + string.Join('\n', gatewayLines.Take(30).Select(l => l.Text)));
    }
}
