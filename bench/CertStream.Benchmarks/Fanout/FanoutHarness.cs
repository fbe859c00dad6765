using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using CertStream.Contracts;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Fanout.Filtering;
using CertStream.Gateway.Options;
using CertStream.Gateway.Telemetry;
using CertStream.Gateway.Transports;
using CertStream.Gateway.Transports.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CertStream.Benchmarks.Fanout;

/// <summary>
/// The gateway's fan-out without sockets or Redis: one <see cref="StreamTopic"/> of the lite stream,
/// <c>clients</c> connections that, as <see cref="WebSocketClient"/> does, take the flush tick's
/// <see cref="SharedBatch"/> or frame each message as a WebSocket text frame into their pooled batch
/// buffer, and whose flush completes at once (a client that keeps up), fed through
/// <see cref="StreamTopic.Deliver"/> as the Redis subscription feeds it.
/// With a flush interval the flush tick is driven by hand (<see cref="FlushTick"/>). Shared by the
/// BenchmarkDotNet suite and the allocation regression test (CertStream.Tests links this file).
/// </summary>
internal sealed class FanoutHarness : IDisposable
{
    private readonly ServiceProvider _provider;
    private readonly FlushScheduler? _scheduler;
    private readonly SinkClient[] _clients;
    private readonly StrongBox<long> _written = new();

    /// <param name="clients">How many clients.</param>
    /// <param name="flushInterval">With a flush interval: <see cref="FlushTick"/> plays the timer.</param>
    /// <param name="filter">Each client's filter by its number (null: an unfiltered client on the shared ring).</param>
    /// <param name="sharedBatches">Whether the clients take shared batches (as WebSocket clients do) or frame every message themselves.</param>
    public FanoutHarness(int clients, bool flushInterval, Func<int, StreamFilter?>? filter = null, bool sharedBatches = true)
    {
        _provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new GatewayMetrics(_provider.GetRequiredService<IMeterFactory>());
        var options = new GatewayOptions { FlushIntervalMs = flushInterval ? 10 : 0 };
        var services = new ClientServices(options, 1000, TimeProvider.System, metrics, NullLogger.Instance);

        // A flush interval long enough never to fire by itself: FlushTick plays the timer.
        _scheduler = flushInterval ? new FlushScheduler(TimeProvider.System, TimeSpan.FromHours(1), () => { }) : null;
        Topic = new StreamTopic(StreamKind.Lite, null!, services, _scheduler) { SharedFramer = WebSocketFrames.WriteText };
        _clients = new SinkClient[clients];
        for (var i = 0; i < clients; i++)
        {
            _clients[i] = new SinkClient(Topic, services, _written, sharedBatches) { Filter = filter?.Invoke(i) };
            Topic.Attach(_clients[i]);
            _clients[i].Start();
        }
    }

    public StreamTopic Topic { get; }

    /// <summary>Messages every client has been sent so far (the slowest client's count).</summary>
    public long DeliveredPerClient
    {
        get
        {
            var min = long.MaxValue;
            foreach (var client in _clients)
            {
                min = Math.Min(min, client.Sent);
            }

            return min;
        }
    }

    /// <summary>
    /// Messages written to all clients together, counted once per flush (reading every client's own
    /// count would cost more than the fan-out with 10,000 clients: a cache miss each).
    /// </summary>
    public long SentTotal => Volatile.Read(ref _written.Value);

    /// <summary>Bytes the clients have flushed.</summary>
    public long BytesFlushed
    {
        get
        {
            long total = 0;
            foreach (var client in _clients)
            {
                total += client.BytesFlushed;
            }

            return total;
        }
    }

    /// <summary>What the Redis subscription does per message.</summary>
    public void Publish(ReadOnlyMemory<byte> payload) => Topic.Deliver(payload);

    /// <summary>What the flush timer does (with a flush interval).</summary>
    public void FlushTick() => Topic.WakeIfPending();

    /// <summary>Waits (spinning, no allocation) until every client has been sent <paramref name="perClient"/> messages.</summary>
    public void WaitDelivered(long perClient)
    {
        var spin = default(SpinWait);
        while (DeliveredPerClient < perClient)
        {
            spin.SpinOnce();
        }
    }

    /// <summary>Waits (spinning, no allocation) until the clients together have been sent <paramref name="total"/> messages.</summary>
    public void WaitSentTotal(long total)
    {
        var spin = default(SpinWait);
        while (SentTotal < total)
        {
            spin.SpinOnce();
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.RequestClose(DisconnectReason.Shutdown);
        }

        _scheduler?.Dispose();
        _provider.Dispose();
    }

    /// <summary>A client whose socket always takes the batch at once.</summary>
    private sealed class SinkClient(StreamTopic topic, ClientServices services, StrongBox<long> written, bool sharedBatches)
        : ClientConnection(topic, TransportProtocol.WebSocket, "sink", services)
    {
        private readonly PooledBufferWriter _output = new();
        private long _unflushed;
        private SharedBatch? _batch;
        private long _batchFrom;

        public long BytesFlushed { get; private set; }

        internal override bool TakesSharedBatches => sharedBatches;

        public void Start() => _ = RunSendLoopAsync();

        protected override void WriteMessage(ReadOnlySpan<byte> json)
        {
            WebSocketFrames.WriteText(_output, json);
            _unflushed++;
        }

        protected override void TakeSharedBatch(SharedBatch batch, long from)
        {
            _batch = batch;
            _batchFrom = from;
        }

        protected override ValueTask<bool> FlushAsync()
        {
            if (_batch is { } batch)
            {
                _batch = null;
                _unflushed += batch.End - _batchFrom;
                BytesFlushed += batch.FramesFrom(_batchFrom).Length;
                batch.Release();
            }

            Interlocked.Add(ref written.Value, _unflushed);
            _unflushed = 0;
            BytesFlushed += _output.WrittenCount;
            _output.Reset();
            return new ValueTask<bool>(true);
        }

        protected override void Abort()
        {
        }

        protected override Task CloseTransportAsync(DisconnectReason reason)
        {
            _output.Reset();
            return Task.CompletedTask;
        }
    }
}
