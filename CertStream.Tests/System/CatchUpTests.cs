using CertStream.Contracts;
using CertStream.Tests.SystemTests.Support;
using StackExchange.Redis;

namespace CertStream.Tests.SystemTests;

/// <summary>
/// Issue 8 (2): a backlog (an ingestor that was away, a Redis restart without persistence) must not
/// flood live clients: catch-up is paced, a backlog older than the skip age is skipped, and what is
/// skipped is counted (certstream_ingestor_skipped_entries_total) and logged once.
/// </summary>
public sealed class CatchUpTests
{
    private const int Backlog = 100_000;

    [Fact]
    public async Task Backlog_of_100000_entries_keeps_a_2000_per_second_client_connected_and_live()
    {
        await using var system = CertStreamSystem.Create();
        var redis = await system.StartRedisAsync();

        // The log appended 100,000 entries over the past 2 hours (and 20 a second from now on).
        var simulator = await system.StartSimulatorAsync(new Dictionary<string, string>
        {
            ["Rfc6962Logs"] = "1",
            ["TiledLogs"] = "0",
            ["InitialSize"] = Backlog.ToString(),
            ["InitialAgeSecs"] = "7200",
            ["EntriesPerSecond"] = "20",
        });
        var log = (await simulator.LogsAsync()).Single();

        // Redis holds a cursor at index 0, before the whole backlog (2 hours old): the backlog is real.
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            await mux.GetDatabase().HashSetAsync(RedisNames.LogStateKey(Cursors.LogKey(log)),
            [
                new HashEntry(RedisNames.StateNextIndex, 0),
                new HashEntry(RedisNames.StateTreeSize, 0),
            ]);
        }

        var gateway = await system.StartGatewayAsync(redis);
        await using var client = await RecordingClient.ConnectAsync(gateway, Transport.WebSocket, new RecordingOptions { MessagesPerSecond = 2000 });
        var ingestor = await system.StartIngestorAsync(redis, simulator);

        // Live: an entry appended after the ingestor started reaches the client.
        var tip = (await simulator.LogAsync(log.Name)).TreeSize;
        await client.WaitForIndexAsync(log.Url, tip + 40, TimeSpan.FromSeconds(300), "an entry appended after the ingestor started reaches the client");
        Assert.False(client.Ended, client.Describe());

        var skipped = (long)await ingestor.MetricAsync("certstream_ingestor_skipped_entries_total");
        var dropped = await gateway.MetricAsync("certstream_gateway_messages_dropped_total");
        var slowClosed = await gateway.MetricAsync("certstream_gateway_disconnects_total", "reason=slow_client");
        var record = client.For(log.Url)!;
        var skipLines = ingestor.Process.EntryTexts.Where(e => e.Contains("warn", StringComparison.Ordinal) && e.Contains("CatchUpPolicy[1120]", StringComparison.Ordinal)).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine($"skipped {skipped}, gateway dropped {dropped}, skip warnings {skipLines.Count}\n{client.Describe()}\n{string.Join('\n', skipLines)}");

        Assert.Equal(0, slowClosed);
        Assert.True(record.First == skipped && record.MissingCount() == 0,
            $"the client gets every entry from the first one not skipped ({skipped}) on, none lost uncounted (gateway dropped {dropped}): {record}");
        Assert.True(skipped > 0, "entries older than the default skip age (1 h) are skipped");
        Assert.True(skipLines.Count == 1, $"a skip is logged once, found {skipLines.Count}\n{ingestor.Process.Tail()}");
    }
}
