using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using CertStream.Contracts;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Options;
using CertStream.Gateway.Telemetry;
using CertStream.Gateway.Transports;
using CertStream.Gateway.Transports.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CertStream.Tests.Gateway.Fanout;

/// <summary>
/// The flush tick's shared batch (WebSocket clients) against clients at different places in the
/// stream: each gets every message since it joined exactly once, in order, whether it took the
/// shared frames whole, a suffix of them, or wrote on its own in between.
/// </summary>
public sealed class SharedBatchFanoutTests : IDisposable
{
    // Holds every message a test publishes: a client is never lapped, so each one must arrive.
    private const int RingSize = 4096;

    private readonly ServiceProvider _provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FlushScheduler _scheduler;
    private readonly ClientServices _services;
    private readonly StreamTopic _topic;
    private int _published;

    public SharedBatchFanoutTests()
    {
        var metrics = new GatewayMetrics(_provider.GetRequiredService<IMeterFactory>());
        _services = new ClientServices(new GatewayOptions { FlushIntervalMs = 10 }, RingSize, TimeProvider.System, metrics, NullLogger.Instance);

        // Never fires by itself: the test plays the timer with WakeIfPending.
        _scheduler = new FlushScheduler(TimeProvider.System, TimeSpan.FromHours(1), () => { });
        _topic = new StreamTopic(StreamKind.Lite, null!, _services, _scheduler) { SharedFramer = WebSocketFrames.WriteText };
    }

    [Fact]
    public async Task EveryClientGetsEachMessageOnceInOrderWhereverItStands()
    {
        var ct = TestContext.Current.CancellationToken;
        var early = Join();
        var alsoEarly = Join();
        var alone = Join(sharedBatches: false); // frames its own messages (SSE, TCP)
        Publish(5);
        _topic.WakeIfPending();

        var late = Join();
        Publish(3);
        _topic.WakeIfPending();

        // One client writes between ticks (as when its ping is due): it is then ahead of the next
        // batch's start and takes only the batch's messages after its cursor.
        Publish(2);
        early.Wake();
        await WaitSentAsync(early, 10, ct);
        Publish(4);
        _topic.WakeIfPending();

        Assert.Equal(Messages(0, 14), early.Received);
        Assert.Equal(Messages(0, 14), alsoEarly.Received);
        Assert.Equal(Messages(0, 14), alone.Received);
        Assert.Equal(Messages(5, 14), late.Received);
        Assert.Equal(0, alone.SharedFlushes);
        Assert.Equal(3, alsoEarly.SharedFlushes);
        Assert.True(early.SharedFlushes >= 2, $"the client that wrote on its own took the next batch's suffix ({early.SharedFlushes} shared flushes)");
    }

    [Fact]
    public async Task OverlappingFlushTicksBuildOneBatchAtATime()
    {
        // A tick whose sweep outlasts the interval overlaps the next one: both build shared batches
        // (before they took turns, this threw from SharedBatch.Build, on the timer thread).
        var ct = TestContext.Current.CancellationToken;
        var clients = Enumerable.Range(0, 4).Select(_ => Join()).ToArray();
        const int total = 3000;
        using var publishing = new CancellationTokenSource();
        var ticking = Task.Run(() =>
        {
            while (!publishing.IsCancellationRequested)
            {
                _topic.WakeIfPending();
            }
        }, ct);
        for (var i = 0; i < total; i++)
        {
            Publish(1);
            _topic.WakeIfPending();
        }

        await publishing.CancelAsync();
        await ticking;
        _topic.WakeIfPending();
        foreach (var client in clients)
        {
            await WaitSentAsync(client, total, ct);
            Assert.Equal(0, client.Dropped);
            lock (client.Received)
            {
                Assert.Equal(Messages(0, total), client.Received);
            }
        }
    }

    [Fact]
    public void AClientThatLostMessagesIsToldBeforeTheSharedFrames()
    {
        var services = new ClientServices(new GatewayOptions { FlushIntervalMs = 10 }, 4, TimeProvider.System, _services.Metrics, NullLogger.Instance);
        var topic = new StreamTopic(StreamKind.Lite, null!, services, _scheduler) { SharedFramer = WebSocketFrames.WriteText };
        var behind = new RecordingClient(topic, services, sharedBatches: true);
        var other = new RecordingClient(topic, services, sharedBatches: true);
        topic.Attach(behind);
        topic.Attach(other);
        for (var i = 0; i < 6; i++)
        {
            topic.Deliver(Encoding.UTF8.GetBytes($"{{\"n\":{i}}}")); // a ring of 4: the first two are gone before any tick
        }

        behind.Start();
        other.Start();
        topic.WakeIfPending();

        Assert.StartsWith("{\"message_type\":\"messages_dropped\"", behind.Received[0]);
        Assert.Equal(Enumerable.Range(2, 4).Select(i => $"{{\"n\":{i}}}"), behind.Received.Skip(1));
        Assert.Equal(2, behind.Dropped);
    }

    [Fact]
    public async Task AFlushTickThatThrowsStillWakesEveryClient()
    {
        // The tick runs on a timer thread: the hub catches, counts and logs what it throws, and
        // the clients must not sleep through it with the tick's pending flag spent.
        var ct = TestContext.Current.CancellationToken;
        var topic = new StreamTopic(StreamKind.Lite, null!, _services, _scheduler) { SharedFramer = static (_, _) => throw new InvalidOperationException("framing failed") };
        var clients = Enumerable.Range(0, 2).Select(_ => new RecordingClient(topic, _services, sharedBatches: true)).ToArray();
        foreach (var client in clients)
        {
            topic.Attach(client);
            client.Start();
        }

        for (var i = 0; i < 5; i++)
        {
            topic.Deliver(Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"));
        }

        Assert.Throws<InvalidOperationException>(topic.WakeIfPending);
        foreach (var client in clients)
        {
            await WaitSentAsync(client, 5, ct);
            lock (client.Received)
            {
                Assert.Equal(Messages(0, 5), client.Received);
            }
        }

        Assert.True(topic.IsFirstFlushFailure());
        Assert.False(topic.IsFirstFlushFailure());
    }

    public void Dispose()
    {
        _scheduler.Dispose();
        _provider.Dispose();
    }

    private RecordingClient Join(bool sharedBatches = true)
    {
        var client = new RecordingClient(_topic, _services, sharedBatches);
        _topic.Attach(client);
        client.Start();
        return client;
    }

    private void Publish(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _topic.Deliver(Encoding.UTF8.GetBytes($"{{\"n\":{_published++}}}"));
        }
    }

    private static List<string> Messages(int from, int to) => [.. Enumerable.Range(from, to - from).Select(i => $"{{\"n\":{i}}}")];

    // Polls (the client has no signal for "sent"), up to a deadline, and stops early if the client lost messages.
    private static async Task WaitSentAsync(ClientConnection client, long count, CancellationToken ct)
    {
        var patience = Stopwatch.StartNew();
        while (client.Sent < count && client.Dropped == 0)
        {
            Assert.True(patience.Elapsed < TimeSpan.FromSeconds(30), $"sent {client.Sent} of {count} messages, {client.Dropped} dropped, backlog {client.Backlog}");
            await Task.Delay(5, ct);
        }
    }

    /// <summary>A WebSocket-framing client whose socket takes every write at once; it decodes what it sends.</summary>
    private sealed class RecordingClient(StreamTopic topic, ClientServices services, bool sharedBatches)
        : ClientConnection(topic, TransportProtocol.WebSocket, "recorder", services)
    {
        private readonly PooledBufferWriter _output = new();
        private SharedBatch? _batch;
        private long _batchFrom;

        public List<string> Received { get; } = [];

        public int SharedFlushes { get; private set; }

        internal override bool TakesSharedBatches => sharedBatches;

        public void Start() => _ = RunSendLoopAsync();

        protected override void WriteMessage(ReadOnlySpan<byte> json) => WebSocketFrames.WriteText(_output, json);

        protected override void TakeSharedBatch(SharedBatch batch, long from)
        {
            _batch = batch;
            _batchFrom = from;
        }

        protected override ValueTask<bool> FlushAsync()
        {
            lock (Received)
            {
                if (_batch is { } batch)
                {
                    _batch = null;
                    SharedFlushes++;
                    Decode(batch.FramesFrom(_batchFrom).Span);
                    batch.Release();
                }

                Decode(_output.WrittenMemory.Span);
                _output.Reset();
            }

            return new ValueTask<bool>(true);
        }

        protected override void Abort()
        {
        }

        protected override Task CloseTransportAsync(DisconnectReason reason) => Task.CompletedTask;

        private void Decode(ReadOnlySpan<byte> frames)
        {
            while (!frames.IsEmpty)
            {
                Assert.Equal(0x81, frames[0]); // FIN + text
                var length = (int)(frames[1] & 0x7F);
                var header = 2;
                if (length == 126)
                {
                    length = BinaryPrimitives.ReadUInt16BigEndian(frames[2..]);
                    header = 4;
                }

                Received.Add(Encoding.UTF8.GetString(frames.Slice(header, length)));
                frames = frames[(header + length)..];
            }
        }
    }
}
