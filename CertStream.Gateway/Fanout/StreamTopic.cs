using CertStream.Contracts;
using CertStream.Contracts.Envelope;
using CertStream.Gateway.Fanout.Filtering;
using CertStream.Gateway.Telemetry;
using StackExchange.Redis;

namespace CertStream.Gateway.Fanout;

/// <summary>
/// One stream kind on this node: its clients, its <see cref="MessageRing"/> and its Redis
/// subscription, which exists only while the stream has clients (subscribed on the first,
/// unsubscribed after the last). SE.Redis re-establishes the subscription by itself after a
/// reconnect, so a Redis restart needs nothing here.
/// </summary>
internal sealed class StreamTopic
{
    /// <summary>Clients a flush tick serves on one thread before it spreads over the cores.</summary>
    internal const int InlineSlice = 256;

    private static readonly TimeSpan SubscribeRetryDelay = TimeSpan.FromSeconds(1);

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisChannel _channel;
    private readonly FlushScheduler? _flushScheduler;
    private readonly ClientServices _services;
    private readonly Lock _clientsGate = new();
    private readonly Lock _ringGate = new();
    private readonly SemaphoreSlim _reconcileGate = new(1, 1);
    private readonly Lock _batchGate = new(); // ticks can overlap (a sweep longer than the interval): one builds at a time
    private readonly SharedBatch.Writer _batchWriter = new();
    private readonly RingEntry?[] _batchScratch = new RingEntry?[32];
    private ClientConnection[] _clients = [];
    private ClientConnection[] _shared = []; // the clients without a filter: the shared ring's readers, woken per message or flush
    private ChannelMessageQueue? _subscription;
    private SharedBatch? _sharedBatch;
    private long _sharedFrom;     // where the next shared batch starts: where the previous one ended
    private int _sharedFramed;    // shared-ring clients whose transport takes a shared batch
    private int _pending;
    private int _flushFailures;
    private bool _stopped;

    // flushScheduler null: wake the clients on every message.
    public StreamTopic(StreamKind kind, IConnectionMultiplexer redis, ClientServices services, FlushScheduler? flushScheduler)
    {
        Kind = kind;
        _redis = redis;
        _services = services;
        _flushScheduler = flushScheduler;
        _channel = RedisChannel.Literal(RedisNames.StreamChannel(kind));
        Ring = new MessageRing(services.BufferSize, services.Options.MaxQueueBytes);
    }

    public StreamKind Kind { get; }

    public MessageRing Ring { get; }

    /// <summary>The clients with a filter, each reading its own ring (README, "Server-side filters").</summary>
    public FilterIndex Filters { get; } = new();

    /// <summary>The current clients; a snapshot array that is replaced, never changed, on join and leave.</summary>
    public ClientConnection[] Clients => Volatile.Read(ref _clients);

    public bool IsSubscribed => Volatile.Read(ref _subscription) is not null;

    /// <summary>
    /// The framing of the transport that takes shared batches (WebSocket: nearly every client), or
    /// null: every client frames its own messages.
    /// </summary>
    internal MessageFramer? SharedFramer { get; init; }

    /// <summary>
    /// The current flush's shared batch if it holds the message at <paramref name="cursor"/>, with a
    /// reference taken for the caller (who releases it after its send); otherwise null.
    /// </summary>
    internal SharedBatch? AcquireSharedBatch(long cursor)
    {
        var batch = Volatile.Read(ref _sharedBatch);
        return batch is not null && batch.Holds(cursor) && batch.TryAcquire() ? batch : null;
    }

    /// <summary>Adds a client; the task completes once the stream's Redis subscription is in place.</summary>
    public Task AddAsync(ClientConnection client)
    {
        Attach(client);
        return ReconcileAsync();
    }

    /// <summary>Adds a client to the fan-out without touching the subscription (the benchmarks feed the ring themselves).</summary>
    internal void Attach(ClientConnection client)
    {
        lock (_clientsGate)
        {
            _clients = [.. _clients, client];
            if (client.Filter is null)
            {
                _shared = [.. _shared, client];
                _sharedFramed += client.TakesSharedBatches ? 1 : 0;
            }
        }

        if (client.Filter is not null)
        {
            Filters.Add(client);
        }
    }

    public Task RemoveAsync(ClientConnection client)
    {
        lock (_clientsGate)
        {
            var index = Array.IndexOf(_clients, client);
            if (index < 0)
            {
                return Task.CompletedTask;
            }

            _clients = [.. _clients.AsSpan(0, index), .. _clients.AsSpan(index + 1)];
            index = Array.IndexOf(_shared, client);
            if (index >= 0)
            {
                _shared = [.. _shared.AsSpan(0, index), .. _shared.AsSpan(index + 1)];
                _sharedFramed -= client.TakesSharedBatches ? 1 : 0;
            }
        }

        if (client.Filter is not null)
        {
            Filters.Remove(client);
        }

        return ReconcileAsync();
    }

    /// <summary>Drops the subscription for good (node stopping).</summary>
    public Task StopAsync()
    {
        Volatile.Write(ref _stopped, true);
        return ReconcileAsync();
    }

    /// <summary>
    /// With a flush interval (on the flush tick): if messages arrived since the last flush, runs
    /// every client's send loop up to its next await on the calling thread, or, with more clients
    /// than <see cref="InlineSlice"/> and more than one core, on one thread per core, each taking
    /// a slice. A thread-pool work item per client and flush cost more than the write itself.
    /// </summary>
    public void WakeIfPending()
    {
        if (Interlocked.Exchange(ref _pending, 0) == 0)
        {
            return;
        }

        try
        {
            Filters.WakePending();
            PublishSharedBatch();
            var clients = Volatile.Read(ref _shared);
            var slices = Math.Min(Environment.ProcessorCount, (clients.Length + InlineSlice - 1) / InlineSlice);
            for (var slice = 1; slice < slices; slice++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static state => WakeInline(state.Clients, state.Slice, state.Slices), (Clients: clients, Slice: slice, Slices: slices), preferLocal: false);
            }

            WakeInline(clients, 0, Math.Max(1, slices));
        }
        catch
        {
            // The pending flag is spent: whoever was not woken would sleep until the next message.
            // Woken the plain way, each client reads the ring on its own (no shared batch needed).
            WakeAll();
            throw;
        }
    }

    /// <summary>True the first time a flush tick of this stream fails: that one is logged, later ones only counted.</summary>
    internal bool IsFirstFlushFailure() => Interlocked.Exchange(ref _flushFailures, 1) == 0;

    /// <summary>
    /// Frames the messages since the previous tick once, for the clients that are there (two or
    /// more take shared batches; for one it would be a copy more), and lets go of the previous batch.
    /// </summary>
    private void PublishSharedBatch()
    {
        lock (_batchGate)
        {
            var head = Ring.Head;
            SharedBatch? batch = null;
            if (SharedFramer is { } framer && Volatile.Read(ref _sharedFramed) >= 2)
            {
                batch = SharedBatch.Build(Ring, _sharedFrom, SharedBatch.MaxBytes, framer, _batchWriter, _batchScratch);
            }

            // A client that wrote on its own (a ping was due, it was behind) read on to the head of its
            // moment; the next batch starts where this one ends, so it holds that client's cursor again.
            _sharedFrom = batch?.End ?? head;
            Interlocked.Exchange(ref _sharedBatch, batch)?.Release();
        }
    }

    private static void WakeInline(ClientConnection[] clients, int slice, int slices)
    {
        var from = (int)((long)clients.Length * slice / slices);
        var to = (int)((long)clients.Length * (slice + 1) / slices);
        for (var i = from; i < to; i++)
        {
            clients[i].WakeInline();
        }
    }

    private void WakeAll()
    {
        foreach (var client in Volatile.Read(ref _shared))
        {
            client.Wake();
        }
    }

    /// <summary>The subscription loop: runs on SE.Redis's queue reader, one message at a time, in order.</summary>
    private void OnMessage(ChannelMessage message)
    {
        try
        {
            // SE.Redis hands each message over in its own exact-size array: share it, do not copy it.
            var payload = (ReadOnlyMemory<byte>)message.Message;
            if (payload.IsEmpty)
            {
                return;
            }

            Deliver(payload);
        }
        catch (Exception ex)
        {
            GatewayLog.MessageHandlerFailed(_services.Logger, _channel.ToString(), ex);
        }
    }

    /// <summary>
    /// Queues one message for every client of the stream: one ring slot, whatever the number of
    /// clients, then a wake-up (now, or at the next flush tick). Called in order, from one thread.
    /// The payload is an envelope (header + JSON) or a legacy header-less JSON message; clients are
    /// written the JSON only. Certificate messages go to the shared ring; events (envelope kind not 0)
    /// only to the filtered clients that opted in, so that clients without a filter never see them.
    /// </summary>
    internal void Deliver(ReadOnlyMemory<byte> payload)
    {
        if (!StreamEnvelope.TryRead(payload.Span, out var envelope))
        {
            _services.Metrics.Malformed(Kind);
            return;
        }

        var jsonOffset = payload.Length - envelope.Json.Length;
        var certificate = envelope.Kind == StreamEnvelope.KindCertificate;
        RingEntry entry;
        lock (_ringGate)
        {
            entry = new RingEntry(certificate ? Ring.Head : -1, payload, jsonOffset);
            if (certificate)
            {
                Ring.Append(entry);
            }
        }

        if (Filters.Count > 0)
        {
            Filters.Route(entry, envelope, wakeNow: _flushScheduler is null);
        }

        _services.Metrics.Received(Kind);
        if (_flushScheduler is null)
        {
            WakeAll();
        }
        else
        {
            Volatile.Write(ref _pending, 1);
            _flushScheduler.Arm();
        }
    }

    /// <summary>Brings the subscription in line with the client count; serialised so joins and leaves cannot interleave it.</summary>
    private async Task ReconcileAsync()
    {
        var retry = false;
        await _reconcileGate.WaitAsync();
        try
        {
            var wanted = Clients.Length > 0 && !Volatile.Read(ref _stopped);
            if (wanted && _subscription is null)
            {
                retry = !await SubscribeAsync();
            }
            else if (!wanted && _subscription is not null)
            {
                await UnsubscribeAsync();
            }
        }
        finally
        {
            _reconcileGate.Release();
        }

        if (retry)
        {
            _ = RetryLaterAsync();
        }
    }

    private async Task<bool> SubscribeAsync()
    {
        var subscriber = _redis.GetSubscriber();
        try
        {
            var queue = await subscriber.SubscribeAsync(_channel);
            queue.OnMessage(OnMessage);
            Volatile.Write(ref _subscription, queue);
            GatewayLog.Subscribed(_services.Logger, _channel.ToString());
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // SE.Redis may have registered the subscription before the command failed: drop it so
            // that no orphaned queue keeps collecting messages, and try again shortly.
            _ = subscriber.UnsubscribeAsync(_channel, flags: CommandFlags.FireAndForget);
            GatewayLog.SubscribeFailed(_services.Logger, _channel.ToString(), SubscribeRetryDelay, ex);
            return false;
        }
    }

    private async Task UnsubscribeAsync()
    {
        var queue = _subscription!;
        Volatile.Write(ref _subscription, null);
        try
        {
            await queue.UnsubscribeAsync();
            GatewayLog.Unsubscribed(_services.Logger, _channel.ToString());
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Not connected: the queue is completed locally all the same, and the server side of
            // the subscription goes away with the broken connection.
            GatewayLog.UnsubscribeFailed(_services.Logger, _channel.ToString(), ex);
        }

        lock (_ringGate)
        {
            Ring.Clear();
        }
    }

    private async Task RetryLaterAsync()
    {
        await Task.Delay(SubscribeRetryDelay, _services.Time);
        await ReconcileAsync();
    }
}
