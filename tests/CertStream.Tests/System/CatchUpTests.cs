using CertStream.Tests.SystemTests.Support;

namespace CertStream.Tests.SystemTests;

/// <summary>
/// Issue 8 (2): a backlog (an ingestor outage, a Redis restart without persistence) must not flood
/// live clients: catch-up is paced, an old backlog may be skipped, and what is skipped is counted
/// (certstream_ingestor_skipped_entries_total) and logged once.
/// </summary>
public sealed class CatchUpTests
{
    private const int Backlog = 100_000;

    [Fact]
    public async Task Backlog_of_100000_entries_keeps_a_2000_per_second_client_connected_and_live()
    {
        await using var system = CertStreamSystem.Create();
        var redis = await system.StartRedisAsync();
        var simulator = await system.StartSimulatorAsync(new Dictionary<string, string>
        {
            ["Rfc6962Logs"] = "1",
            ["TiledLogs"] = "0",
            ["InitialSize"] = "100",
            ["EntriesPerSecond"] = "20",
        });
        var gateway = await system.StartGatewayAsync(redis);
        var ingestor = await system.StartIngestorAsync(redis, simulator);
        await using var client = await RecordingClient.ConnectAsync(gateway, Transport.WebSocket, new RecordingOptions { MessagesPerSecond = 2000 });

        var log = (await simulator.LogsAsync()).Single();
        await client.WaitForIndexAsync(log.Url, (await simulator.LogAsync(log.Name)).TreeSize, TimeSpan.FromSeconds(120), "the client is live before the backlog");

        // The log gains 100,000 entries stamped over the past 2 hours: what an ingestor finds after a long
        // outage. With the defaults the older half is beyond the skip age and the rest is paced catch-up.
        var afterBurst = await simulator.GrowAsync(log.Name, Backlog, TimeSpan.FromHours(2));

        // Live again: an entry appended after the backlog (20 per second) reaches the client.
        await client.WaitForIndexAsync(log.Url, afterBurst.TreeSize + 40, TimeSpan.FromSeconds(300), "an entry appended after the backlog reaches the client");
        Assert.False(client.Ended, client.Describe());

        var skipped = await ingestor.MetricAsync("certstream_ingestor_skipped_entries_total");
        var dropped = await gateway.MetricAsync("certstream_gateway_messages_dropped_total");
        var slowClosed = await gateway.MetricAsync("certstream_gateway_disconnects_total", "reason=slow_client");
        var record = client.For(log.Url)!;
        var missing = record.MissingCount();
        var skipLines = ingestor.Process.EntryTexts.Count(e => e.Contains("warn", StringComparison.Ordinal) && e.Contains("skip", StringComparison.OrdinalIgnoreCase));
        TestContext.Current.TestOutputHelper?.WriteLine($"skipped {skipped}, client missing {missing}, gateway dropped {dropped}, skip warnings {skipLines}\n{client.Describe()}");

        Assert.Equal(0, slowClosed);
        Assert.True(missing == (long)skipped,
            $"every index the client did not get must be a counted skip: missing {missing}, skipped {skipped}, gateway dropped {dropped} ({record})");
        if (skipped > 0)
        {
            Assert.True(skipLines == 1, $"a skip is logged once (a warning mentioning it), found {skipLines}\n{ingestor.Process.Tail()}");
        }
    }
}
