using System.Text.Json;
using CertStream.Contracts;
using CertStream.Contracts.Envelope;
using CertStream.CtLogSimulator;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using StackExchange.Redis;

namespace CertStream.Tests.Ingestor.Dedup;

/// <summary>
/// Simulator, ingestor and gateway in process, clients on real sockets: two logs serve the same
/// recorded certificates (each simulated RFC 6962 log starts with the same 40 real entries), so the
/// plain stream carries every certificate twice, and <c>?dedup=1</c> once.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class DedupStreamTests(RedisFixture redis)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private const int Recorded = 40;

    [Fact]
    public async Task TwoLogsWithTheSameCertificatesReachADedupClientOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await ForgetSightingsAsync(ct);
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var first = sim.AddRfc6962Log("dedup-a", initialSize: Recorded);
        var second = sim.AddRfc6962Log("dedup-b", initialSize: Recorded);
        await IngestorPipelineTests.SeedCursorAsync(redis.ConnectionString, first, 0);
        await IngestorPipelineTests.SeedCursorAsync(redis.ConnectionString, second, 0);

        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var plain = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        await using var dedup = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/?dedup=1"), ct);
        await using var joined = await SseTestClient.ConnectAsync(gateway.Http("/sse?dedup=joined"), ct);
        await Eventually.TrueAsync(() => gateway.Hub.Topic(StreamKind.Lite).Clients.Length == 3 && gateway.Hub.Topic(StreamKind.Lite).IsSubscribed,
            TimeSpan.FromSeconds(20), "three clients subscribed", ct);

        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, ct: ct);
        var all = new List<string>();
        while (all.Count < 2 * Recorded)
        {
            all.Add(Sha256(await plain.ReceiveTextAsync(ct)));
        }

        // Everything the ingestor published has passed the gateway: a marker published now comes after it.
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        var marker = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, TestEnvelopes.Certificate(marker, ["marker.example"], flags: StreamEnvelope.FlagFirstSeen | StreamEnvelope.FlagFirstSeenJoined));

        var once = new List<string>();
        for (var message = await dedup.ReceiveTextAsync(ct); !message.SequenceEqual(marker); message = await dedup.ReceiveTextAsync(ct))
        {
            once.Add(Sha256(message));
        }

        var pairs = new List<string>();
        for (var message = await joined.ReadEventAsync(ct); !message!.SequenceEqual(marker); message = await joined.ReadEventAsync(ct))
        {
            pairs.Add(Sha256(message!));
        }

        var distinct = all.Distinct().Count();
        Assert.True(distinct <= Recorded && distinct > Recorded / 2, $"{distinct} distinct certificates in the recorded entries");
        Assert.All(all.GroupBy(s => s), g => Assert.Equal(0, g.Count() % 2)); // every certificate came from both logs
        Assert.Equal(all.Distinct().Order(), once.Order());
        Assert.Equal(pairs.Count, pairs.Distinct().Count());
        Assert.InRange(pairs.Count, 1, once.Count);
        Assert.Subset(once.ToHashSet(), pairs.ToHashSet());
    }

    [Fact]
    public async Task ARepublishedChunkIsNoFirstSighting()
    {
        var ct = TestContext.Current.CancellationToken;
        await ForgetSightingsAsync(ct);
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var log = sim.AddRfc6962Log("dedup-again", initialSize: 8);
        await IngestorPipelineTests.SeedCursorAsync(redis.ConnectionString, log, 0);
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);
        await using (await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, ct: ct))
        {
            await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 8, Patience, "first pass", ct);
        }

        // The same entries again (a cursor moved back, as after a lost cursor): all seen already.
        await IngestorPipelineTests.SeedCursorAsync(redis.ConnectionString, log, 0);
        await using (await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, ct: ct))
        {
            await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 16, Patience, "second pass", ct);
        }

        var published = recorder.For(log.Url);
        var firstPass = published.Take(8).ToList();
        Assert.Equal(firstPass.Select(p => p.Sha256).Distinct().Count(), firstPass.Count(p => (p.Flags & StreamEnvelope.FlagFirstSeen) != 0));
        Assert.All(published.Skip(8), p => Assert.Equal(0, p.Flags));
    }

    private async Task ForgetSightingsAsync(CancellationToken ct)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var server = mux.GetServers()[0];
        await foreach (var key in server.KeysAsync(pattern: RedisNames.Prefix + "dedup:*").WithCancellation(ct))
        {
            await mux.GetDatabase().KeyDeleteAsync(key);
        }
    }

    private static string Sha256(byte[] message)
    {
        using var doc = JsonDocument.Parse(message);
        return doc.RootElement.GetProperty("data").GetProperty("leaf_cert").GetProperty("sha256").GetString()!;
    }
}
