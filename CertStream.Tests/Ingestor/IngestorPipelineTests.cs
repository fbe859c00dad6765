using System.Security.Cryptography;
using CertStream.Contracts;
using CertStream.CtLogSimulator;
using CertStream.CtLogSimulator.Faults;
using CertStream.Tests.Infrastructure;
using StackExchange.Redis;

namespace CertStream.Tests.Ingestor;

/// <summary>
/// The real ingestor over real HTTP against the CT log simulator, publishing to a real Redis:
/// every index exactly once and in order, faults survived, resume after a restart.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class IngestorPipelineTests(RedisFixture redis)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    internal static string Fingerprint(ReadOnlyMemory<byte> der) =>
        string.Join(':', Convert.ToHexString(SHA256.HashData(der.Span)).Chunk(2).Select(c => new string(c)));

    internal static async Task SeedCursorAsync(string redis, SimulatedLog log, long next)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis);
        var key = RedisNames.LogStateKey(CertStream.Ingestor.Ct.CtLogInfo.KeyFromUrl(log.Url));
        await mux.GetDatabase().HashSetAsync(key, [new(RedisNames.StateNextIndex, next), new(RedisNames.StateTreeSize, next)]);
    }

    internal static void AssertExactlyOnceInOrder(SimulatedLog log, IReadOnlyList<PublishedCertificate> published, long from, long to)
    {
        Assert.Equal(Enumerable.Range((int)from, (int)(to - from)).Select(i => (long)i), published.Select(p => p.Index));
        foreach (var p in published)
        {
            Assert.Equal(Fingerprint(log.GetExpectedLeafDer(p.Index)), p.Sha256);
        }
    }

    [Fact]
    public async Task FollowsACappedRfc6962LogAndATiledLogExactlyOnceInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var capped = sim.AddRfc6962Log("capped", initialSize: 700, pageCap: 32);
        var tiled = sim.AddTiledLog("tiled", initialSize: 600);
        await SeedCursorAsync(redis.ConnectionString, capped, 0);
        await SeedCursorAsync(redis.ConnectionString, tiled, 0);
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);

        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, ct: ct);
        await recorder.WaitForAsync(() => recorder.For(capped.Url).Count >= 700 && recorder.For(tiled.Url).Count >= 600,
            Patience, "both logs caught up from the saved cursor", ct);

        // Growth while followed: a partial tile first, then the log grows past it.
        capped.Grow(77);
        tiled.Grow(10);
        await recorder.WaitForAsync(() => recorder.For(tiled.Url).Count >= 610, Patience, "tiled growth into a partial tile", ct);
        tiled.Grow(300);
        await recorder.WaitForAsync(() => recorder.For(capped.Url).Count >= 777 && recorder.For(tiled.Url).Count >= 910,
            Patience, "growth published", ct);

        AssertExactlyOnceInOrder(capped, recorder.For(capped.Url), 0, 777);
        AssertExactlyOnceInOrder(tiled, recorder.For(tiled.Url), 0, 910);
        Assert.Equal(0, recorder.Malformed);
        Assert.True(capped.RequestCount(SimulatedEndpoint.GetEntries) >= 777 / 32, "a 32-entry page cap means many requests");
    }

    [Fact]
    public async Task SurvivesFaultsWithoutLosingOrRepeatingEntries()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var log = sim.AddRfc6962Log("faulty", initialSize: 300, pageCap: 64);
        var tiles = sim.AddTiledLog("faulty-tiles", initialSize: 520);
        log.InjectFault(SimulatedFault.TooManyRequests(TimeSpan.FromSeconds(1), asHttpDate: false, SimulatedEndpoint.GetEntries));
        log.InjectFault(SimulatedFault.ServerError(500, SimulatedEndpoint.GetEntries));
        log.InjectFault(SimulatedFault.TruncatedBody(SimulatedEndpoint.GetEntries));
        log.InjectFault(SimulatedFault.MalformedBody(SimulatedEndpoint.GetSth));
        log.InjectFault(SimulatedFault.StaleTreeHead(100, SimulatedEndpoint.GetSth));
        tiles.InjectFault(SimulatedFault.TooManyRequests(TimeSpan.FromSeconds(1), asHttpDate: true));
        tiles.InjectFault(SimulatedFault.TruncatedBody());
        tiles.InjectFault(SimulatedFault.ServerError(503));
        await SeedCursorAsync(redis.ConnectionString, log, 0);
        await SeedCursorAsync(redis.ConnectionString, tiles, 0);
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);

        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, ct: ct);
        await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 300 && recorder.For(tiles.Url).Count >= 520,
            Patience, "all entries despite faults", ct);
        log.Grow(50);
        await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 350, Patience, "growth after a stale STH", ct);

        AssertExactlyOnceInOrder(log, recorder.For(log.Url), 0, 350);
        AssertExactlyOnceInOrder(tiles, recorder.For(tiles.Url), 0, 520);
        Assert.Equal(0, log.PendingFaults);
        Assert.Equal(0, tiles.PendingFaults);

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(ingestor.BaseUrl + "/metrics", ct);
        Assert.Contains("certstream_ingestor_request_errors", metrics);
        Assert.Contains("outcome=\"429\"", metrics);
    }
}
