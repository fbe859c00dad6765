using System.Buffers.Binary;
using System.Text.Json;
using CertStream.Contracts;
using CertStream.Contracts.Envelope;
using CertStream.CtLogSimulator;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CertStream.Tests.Ingestor.Verification;

/// <summary>
/// Issue 15, static-ct-api logs while following: the data tiles fetched must hash through the hash tiles to the verified
/// checkpoint's root. A log whose data tiles do not match its level-0 tiles, or whose hash tiles do not fold into the root
/// it signs, is caught, stopped (policy stop), logged once, and announced once on every stream channel as a
/// <c>log_integrity</c> event in an envelope of kind 1 (checked on the Redis channels, byte for byte).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class TiledLogIntegrityTests(RedisFixture redis)
{
    private const int VerificationFailed = 1701;
    private const int StartingAtTip = 1021;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TilesThatDoNotHashToTheCheckpointAreCaughtStoppedAndAnnounced()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var honest = sim.AddTiledLog("honest-tiles", initialSize: 300);
        var badData = sim.AddLog(new SimulatedLogOptions { Name = "bad-data-tile", Kind = SimulatedLogKind.Tiled, InitialSize = 300, Integrity = SimulatedLogIntegrity.BadDataTile });
        var badLevel = sim.AddLog(new SimulatedLogOptions { Name = "bad-level-tile", Kind = SimulatedLogKind.Tiled, InitialSize = 300, Integrity = SimulatedLogIntegrity.BadLevelTile });
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);
        await using var events = await EnvelopeRecorder.StartAsync(redis.ConnectionString);
        var logs = new LogCapture();

        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl,
            new Dictionary<string, string?> { ["verification:on_failure"] = "stop" }, b => b.Logging.AddProvider(logs), ct);
        // Growth before a log's first checkpoint would be taken as its starting tip and never fetched.
        await logs.WaitForAsync(() => logs.Count(StartingAtTip) == 3, Patience, "the three logs start at the tip", ct);

        // 600 entries: full data tiles 1 and 2 (checked through level-1 tile 0) and the partial tile 3.
        honest.Grow(600);
        badData.Grow(5);
        badLevel.Grow(5);
        await recorder.WaitForAsync(() => recorder.For(honest.Url).Count >= 600, Patience, "the honest log's growth is streamed", ct);
        await logs.WaitForAsync(() => logs.Count(VerificationFailed) == 2, Patience, "both tampering logs are caught", ct);
        await events.WaitForAsync(() => events.Received.Count == 2 * StreamKinds.Count, Patience, "one event per failing log on each channel", ct);

        // The honest log: all streamed, unmarked, its hash tiles fetched.
        Assert.Equal(Enumerable.Range(300, 600).Select(i => (long)i), recorder.For(honest.Url).Select(c => c.Index));
        Assert.All(recorder.For(honest.Url), c => Assert.Null(c.Integrity));
        Assert.True(honest.RequestCount(SimulatedEndpoint.LevelTile) + honest.RequestCount(SimulatedEndpoint.PartialLevelTile) >= 2);

        // The tampering logs: caught by the right check, nothing streamed.
        var failures = logs.WithId(VerificationFailed);
        Assert.Contains(failures, l => l.Message.Contains("bad-data-tile", StringComparison.Ordinal) && l.Message.Contains("(data_tile)", StringComparison.Ordinal));
        Assert.Contains(failures, l => l.Message.Contains("bad-level-tile", StringComparison.Ordinal) && l.Message.Contains("(tile_root)", StringComparison.Ordinal));
        Assert.Empty(recorder.For(badData.Url));
        Assert.Empty(recorder.For(badLevel.Url));

        // The events, byte for byte: header 01 (version) 01 (kind log_integrity) 00 (flags) 05 00 (length), then the JSON.
        foreach (var (channel, payload) in events.Received)
        {
            Assert.Equal(new byte[] { 0x01, 0x01, 0x00 }, payload[..3]);
            Assert.Equal(5, BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(3, 2)));
            Assert.Equal((byte)'}', payload[^1]);
            using var json = JsonDocument.Parse(payload.AsMemory(5));
            Assert.Equal("log_integrity", json.RootElement.GetProperty("message_type").GetString());
            var data = json.RootElement.GetProperty("data");
            Assert.Equal("verification_failed", data.GetProperty("event").GetString());
            Assert.Equal("stop", data.GetProperty("action").GetString());
            Assert.Equal("tiled", data.GetProperty("source").GetProperty("type").GetString());
            Assert.True(data.GetProperty("seen").GetDouble() > 0);
            var url = data.GetProperty("source").GetProperty("url").GetString();
            var check = data.GetProperty("check").GetString();
            Assert.True((url == badData.Url && check == "data_tile") || (url == badLevel.Url && check == "tile_root"), $"{channel}: {url} {check}");
        }

        foreach (var kind in StreamKinds.All)
        {
            Assert.Equal(2, events.Received.Count(e => e.Channel == RedisNames.StreamChannel(kind)));
        }

        // Stopped logs are still polled, and neither logged nor announced again.
        var polled = badData.RequestCount(SimulatedEndpoint.Checkpoint);
        var tiles = badData.RequestCount(SimulatedEndpoint.PartialDataTile) + badData.RequestCount(SimulatedEndpoint.DataTile);
        badData.Grow(5);
        await Eventually.TrueAsync(() => badData.RequestCount(SimulatedEndpoint.Checkpoint) >= polled + 3, Patience, "the stopped log is still polled", ct);
        Assert.Equal(tiles, badData.RequestCount(SimulatedEndpoint.PartialDataTile) + badData.RequestCount(SimulatedEndpoint.DataTile));
        Assert.Equal(2, logs.Count(VerificationFailed));
        Assert.Equal(2 * StreamKinds.Count, events.Received.Count);
    }

    [Fact]
    public async Task UnderPolicyMarkATamperedTileLogStreamsMarkedAndIsAnnouncedOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var badData = sim.AddLog(new SimulatedLogOptions { Name = "bad-data-marked", Kind = SimulatedLogKind.Tiled, InitialSize = 300, Integrity = SimulatedLogIntegrity.BadDataTile });
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);
        await using var events = await EnvelopeRecorder.StartAsync(redis.ConnectionString);
        var logs = new LogCapture();

        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, null, b => b.Logging.AddProvider(logs), ct);
        await logs.WaitForAsync(() => logs.Count(StartingAtTip) == 1, Patience, "the log starts at the tip", ct);
        badData.Grow(5);
        await recorder.WaitForAsync(() => recorder.For(badData.Url).Count >= 5, Patience, "the tampered entries are streamed (policy mark)", ct);
        badData.Grow(5);
        await recorder.WaitForAsync(() => recorder.For(badData.Url).Count >= 10, Patience, "and the next ones", ct);
        await events.WaitForAsync(() => events.Received.Count == StreamKinds.Count, Patience, "one event on each channel", ct);

        Assert.All(recorder.For(badData.Url), c => Assert.Equal("log_unverified", c.Integrity));
        var failure = Assert.Single(logs.WithId(VerificationFailed));
        Assert.Contains("(data_tile)", failure.Message, StringComparison.Ordinal);
        foreach (var (_, payload) in events.Received)
        {
            using var json = JsonDocument.Parse(payload.AsMemory(5));
            Assert.Equal("mark", json.RootElement.GetProperty("data").GetProperty("action").GetString());
        }
    }

    /// <summary>Records every payload on the three stream channels whose envelope is not a certificate message's (kind 0): the events.</summary>
    private sealed class EnvelopeRecorder : IAsyncDisposable
    {
        private readonly ConnectionMultiplexer _mux;
        private readonly List<(string Channel, byte[] Payload)> _received = [];

        private EnvelopeRecorder(ConnectionMultiplexer mux) => _mux = mux;

        public Pulse Changed { get; } = new();

        public IReadOnlyList<(string Channel, byte[] Payload)> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public static async Task<EnvelopeRecorder> StartAsync(string redis)
        {
            var recorder = new EnvelopeRecorder(await ConnectionMultiplexer.ConnectAsync(redis));
            foreach (var kind in StreamKinds.All)
            {
                var channel = RedisNames.StreamChannel(kind);
                var queue = await recorder._mux.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel));
                queue.OnMessage(m =>
                {
                    var payload = (byte[])m.Message!;
                    if (payload.Length > 1 && payload[0] == StreamEnvelope.Version && payload[1] != StreamEnvelope.KindCertificate)
                    {
                        lock (recorder._received)
                        {
                            recorder._received.Add((channel, payload));
                        }

                        recorder.Changed.Fire();
                    }
                });
            }

            return recorder;
        }

        public Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string because, CancellationToken ct) =>
            Pulse.UntilAsync(condition, timeout, because, ct, Changed);

        public async ValueTask DisposeAsync() => await _mux.DisposeAsync();
    }
}
