using CertStream.Contracts;
using CertStream.CtLogSimulator;
using CertStream.Ingestor.Ct;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CertStream.Tests.Ingestor;

/// <summary>
/// Issue 9 items 1 and 2: Redis restarted empty under a running ingestor. Each test owns its
/// redis-server (stopped and started again on the same port), so the shared one is never emptied.
/// </summary>
public sealed class RedisRestartTests
{
    private const int LeaseLost = 1012;
    private const int FollowStarted = 1020;
    private const int StartedAtTip = 1021;
    private const int CursorSaveFailed = 1103;
    private const int PublishFailed = 1110;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AReplicaKeepsItsCursorAndLeaseWhenRedisRestartsEmpty()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await RedisTestServer.StartAsync(ct);
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var log = sim.AddRfc6962Log("restart-cursor", initialSize: 200, pageCap: 50);
        var key = CtLogInfo.KeyFromUrl(log.Url);
        await IngestorPipelineTests.SeedCursorAsync(server.ConnectionString, log, 100);
        await using var recorder = await StreamRecorder.StartAsync(server.ConnectionString);
        var logs = new LogCapture();
        await using var ingestor = await IngestorHost.StartAsync(server.ConnectionString, sim.LogListUrl, configure: b => b.Logging.AddProvider(logs), ct: ct);
        await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 100, Patience, "the backlog from the seeded cursor is published", ct);

        await server.StopAsync();
        await server.StartAgainAsync(ct);

        // The replica writes the cursor it knows back (even with nothing new to publish) and holds the lease again.
        await using var mux = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var db = mux.GetDatabase();
        await Eventually.TrueAsync(async () => (long?)await db.HashGetAsync(RedisNames.LogStateKey(key), RedisNames.StateNextIndex) == 200,
            Patience, "the known cursor is written back to the emptied Redis", ct);
        Assert.True(await db.KeyExistsAsync(RedisNames.LogLeaseKey(key)));

        log.Grow(50);
        await recorder.WaitForAsync(() => recorder.For(log.Url).Any(p => p.Index == 249), Patience, "growth after the restart is published", ct);

        Assert.Equal(0, logs.Count(LeaseLost));
        Assert.Equal(0, logs.Count(StartedAtTip));
        Assert.Equal(1, logs.Count(FollowStarted)); // one worker all along: never restarted from a reloaded cursor
        var indexes = recorder.For(log.Url).Select(p => p.Index).ToList();
        Assert.Equal(Enumerable.Range(100, 150).Select(i => (long)i), indexes.Distinct());
        Assert.True(indexes.Zip(indexes.Skip(1)).All(p => p.Second > p.First), "the cursor never moved backwards: " + string.Join(',', indexes));
    }

    [Fact]
    public async Task EntriesPublishedBeforeTheSubscribersAreBackAfterARedisRestartAreNotLost()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await RedisTestServer.StartAsync(ct);
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var log = sim.AddRfc6962Log("restart-publish", initialSize: 10, pageCap: 50, entriesPerSecond: 100);
        await IngestorPipelineTests.SeedCursorAsync(server.ConnectionString, log, 0);
        using var before = await RawStreamRecorder.StartAsync(server, ct);
        var logs = new LogCapture();
        await using var ingestor = await IngestorHost.StartAsync(server.ConnectionString, sim.LogListUrl, configure: b => b.Logging.AddProvider(logs), ct: ct);
        await before.WaitForAsync(() => before.For(log.Url).Count >= 100, Patience, "entries are published before the restart", ct);

        // Redis goes away and comes back empty; the subscriber that was there (a gateway) is back
        // only after the ingestor has had entries to publish: those must wait for it, not be lost.
        await server.StopAsync();
        await before.Completion.WaitAsync(Patience, ct); // everything Redis delivered to it is recorded
        var seenBefore = before.For(log.Url).Select(p => p.Index).ToList();
        using var http = new HttpClient();
        async Task<double> RetriesAsync() =>
            PrometheusText.Parse(await http.GetStringAsync(ingestor.BaseUrl + "/metrics", ct)).Samples
                .Where(s => s.Name == "certstream_ingestor_publish_retries_total").Sum(s => s.Value);
        // An outage as long as it takes the ingestor to notice it (a publish or a cursor save failed).
        await logs.WaitForAsync(() => logs.Count(PublishFailed) + logs.Count(CursorSaveFailed) > 0, Patience, "the ingestor noticed the outage", ct);
        await server.StartAgainAsync(ct);
        var retriesAtRestart = await RetriesAsync();
        await Eventually.TrueAsync(async () => await RetriesAsync() > retriesAtRestart || await CursorAsync(server, log) > seenBefore[^1] + 100,
            Patience, "the ingestor has had entries to publish since the restart", ct);

        await using var after = await StreamRecorder.StartAsync(server.ConnectionString);
        await after.WaitForAsync(() => after.For(log.Url).Count >= 100, Patience, "publishing goes on after the restart", ct);

        var seenAfter = after.For(log.Url);
        var seen = seenBefore.Concat(seenAfter.Select(p => p.Index)).ToHashSet();
        var last = seenAfter[^1].Index;
        var missing = Enumerable.Range(0, (int)last + 1).Where(i => !seen.Contains(i)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} indices never delivered, e.g. {string.Join(',', missing.Take(20))}; "
            + $"before the restart {seenBefore[0]}..{seenBefore[^1]}, after it {seenAfter[0].Index}..{last}; ingestor said:\n"
            + string.Join('\n', logs.Entries.Where(l => l.Category.StartsWith("CertStream", StringComparison.Ordinal)).Select(l => $"[{l.EventId}] {l.Message}")));
    }

    private static async Task<long> CursorAsync(RedisTestServer server, SimulatedLog log)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        return (long?)await mux.GetDatabase().HashGetAsync(RedisNames.LogStateKey(CtLogInfo.KeyFromUrl(log.Url)), RedisNames.StateNextIndex) ?? -1;
    }
}
