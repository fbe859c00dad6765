using CertStream.Tests.Infrastructure;
using CertStream.Tests.SystemTests.Support;

namespace CertStream.Tests.SystemTests;

/// <summary>
/// Issue 9 (1, 2): Redis killed (SIGKILL) and restarted, empty or from its last RDB snapshot, under one or
/// two ingestors. A replica that knows where it is keeps going from there: the recording client sees
/// no gap, at most <see cref="MaxReplayPerLog"/> indices again per log, and no ingestor claims a lease
/// was taken by another replica.
/// </summary>
public sealed class RedisRestartTests
{
    /// <summary>The replay bound per log: one batch of fetches in flight (fetch_concurrency 4 × 256) around the outage.</summary>
    private const long MaxReplayPerLog = 1024;

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    public async Task Redis_restart_loses_nothing_and_replays_little(int ingestorCount, bool withData)
    {
        await using var system = CertStreamSystem.Create();
        var redis = await system.StartRedisAsync(persistent: true);
        var simulator = await system.StartSimulatorAsync(new Dictionary<string, string>
        {
            ["Rfc6962Logs"] = "1",
            ["TiledLogs"] = "1",
            // Larger than the replay bound: a replica that starts over from 0 cannot pass as a bounded replay.
            ["InitialSize"] = "3000",
            ["EntriesPerSecond"] = "50",
        });
        var gateway = await system.StartGatewayAsync(redis);
        await using var client = await RecordingClient.ConnectAsync(gateway, Transport.WebSocket);
        var ingestors = new List<ServiceHandle>();
        for (var i = 0; i < ingestorCount; i++)
        {
            ingestors.Add(await system.StartIngestorAsync(redis, simulator));
        }

        var logs = await simulator.LogsAsync();
        await WaitForTipsAsync(client, simulator, "every log is followed before the outage");
        if (ingestorCount == 2)
        {
            // The leases have settled one per replica, so the snapshot's owners are the real ones (an RDB
            // that rolls ownership back to before a rebalance is another case: see the report).
            await using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
            await Pulse.UntilAsync(() => Leases.Holders(mux).Values.Distinct().Count() == 2, TimeSpan.FromSeconds(120),
                "each ingestor holds one of the two leases", CertStreamSystem.Ct, client.Changed);
        }

        if (withData)
        {
            // The snapshot a restart loads is older than what the ingestors know: they must not go back to it.
            Assert.SkipUnless(redis.Persists, "an RDB restart needs redis-server (CI installs it)");
            await redis.SaveAsync(CertStreamSystem.Ct);
            await WaitForTipsAsync(client, simulator, "the logs move on after the snapshot");
        }

        await redis.StopAsync(); // SIGKILL
        if (!withData)
        {
            redis.DeleteData();
        }

        // The outage lasts a few seconds of log growth; its length is the fault, not a wait for a signal.
        await Task.Delay(TimeSpan.FromSeconds(5), CertStreamSystem.Ct);
        await redis.StartAgainAsync(CertStreamSystem.Ct);

        var sizes = await simulator.LogsAsync();
        await client.WaitPastAsync(sizes, 100, TimeSpan.FromSeconds(120),
            "every log streams 100 entries past the restart");

        client.AssertNoGaps(logs, MaxReplayPerLog);

        foreach (var ingestor in ingestors)
        {
            var leaseLost = ingestor.Process.EntryTexts.Where(e => e.Contains("Lease lost", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.True(leaseLost.Count == 0, $"{ingestor.Name} reported a lease loss no other replica caused:\n{string.Join('\n', leaseLost)}");
            Assert.False(ingestor.Process.HasExited, ingestor.Process.Tail());
        }
    }

    private static async Task WaitForTipsAsync(RecordingClient client, SimulatorHandle simulator, string because)
    {
        var tips = await simulator.LogsAsync();
        await client.WaitPastAsync(tips, 0, TimeSpan.FromSeconds(120), because);
    }
}
