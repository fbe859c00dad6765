using System.Buffers;
using CertStream.Contracts;
using CertStream.Gateway.Fanout.Filtering;
using CertStream.Gateway.Options;
using CertStream.Gateway.Telemetry;

namespace CertStream.Gateway.Fanout;

/// <summary>
/// One client of one stream, whatever its transport. Owns the client's read cursor into the
/// stream's <see cref="MessageRing"/> and the single send loop that writes to the transport: it
/// sleeps on a <see cref="WakeSignal"/>, and when woken writes everything due (control frames,
/// queued messages or a heartbeat) into the transport's buffer and flushes once. Transports supply
/// the framing and the flush; liveness (heartbeats, pings, dead peers, slow clients) is decided
/// here by <see cref="Tick"/>, once a second, from the node's <see cref="TimeProvider"/>.
/// </summary>
internal abstract partial class ClientConnection
{
    /// <summary>
    /// Most bytes of messages written per flush: one flush interval's worth at a high rate (500
    /// lite messages/s x 25 ms is about 19 KB) goes out in one write, since the write, not the
    /// byte, is what costs. With the message that crosses it, framed, a batch still fits the
    /// transports' 32 KiB pooled buffer; it also caps what a far-behind client adds to Kestrel's
    /// output buffer (past whose limit the flush waits), so stalled clients stay bounded.
    /// </summary>
    private const long MaxFlushBytes = 28 * 1024;

    /// <summary>
    /// The batch of a client whose previous write had to wait (its socket and the transport's
    /// buffer were full): smaller, because it only lands in a buffer that drains at the client's
    /// pace. Not much smaller: a write costs the same CPU whatever it carries, and a reader that
    /// is a little slow (one process reading a thousand sockets) stays behind for long stretches.
    /// </summary>
    private const long BehindFlushBytes = 16 * 1024;

    private const int SelectiveRingSize = 256;

    private readonly WakeSignal _wake = new();
    private readonly Lock _accounting = new();

    // Refilled per read and cleared after the write, so it pins no message between flushes.
    private readonly RingEntry?[] _batch = new RingEntry?[32];

    private long _cursor;          // next sequence to write; sender only (read by Tick and the gauges)
    private long _countedUpTo;     // lost messages before this sequence are already counted
    private long _dropped;
    private long _droppedAtLastTick;
    private long _headAtLastTick;  // the ring's head at the previous tick: a client whose cursor has passed it is caught up
    private long _lagSince;        // timestamp of the tick that saw this lag period's first loss; 0 while caught up
    private long _sent;
    private long _writes;
    private long _lastMessage;     // when a JSON message (data or heartbeat) was last written; control frames do not count
    private long _lastReceive;
    private long _lastPing;
    private long _flushStarted;    // 0 when no flush is in progress
    private int _control;
    private int _closeReason;
    private ITimer? _closeDeadline;
    private volatile bool _finished;
    private bool _behind;          // the previous flush did not complete at once; sender only
    private bool _gaveBack;        // the flush gave messages back to the ring (ReturnUnsent); sender only
    private MessageRing _ring;     // the stream's shared ring, or this client's own with a filter
    private StreamFilter? _filter;

    protected ClientConnection(StreamTopic topic, TransportProtocol protocol, string remote, ClientServices services)
    {
        Topic = topic;
        Protocol = protocol;
        Remote = remote;
        Services = services;
        _ring = topic.Ring;
        _cursor = _countedUpTo = _headAtLastTick = topic.Ring.Head;
        var now = services.Time.GetTimestamp();
        _lastMessage = _lastReceive = _lastPing = now;
    }

    [Flags]
    protected enum Control
    {
        None = 0,
        Heartbeat = 1,
        Ping = 2,
        Pong = 4,
    }

    public StreamKind Stream => Topic.Kind;

    public TransportProtocol Protocol { get; }

    public string Remote { get; }

    internal StreamTopic Topic { get; }

    protected ClientServices Services { get; }

    public DisconnectReason CloseReason => (DisconnectReason)Volatile.Read(ref _closeReason);

    public bool IsClosing => Volatile.Read(ref _closeReason) != 0;

    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Flushes (batched writes) to the transport so far.</summary>
    public long Writes => Volatile.Read(ref _writes);

    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>SHA-256 of the token the client authenticated with (null when auth was off); never the token itself.</summary>
    internal byte[]? TokenDigest { get; init; }

    /// <summary>
    /// What the client filters on (<c>match</c>, <c>issuer</c>, <c>dedup</c>, <c>events</c>); null: the whole
    /// stream from the shared ring, as always. A filtered client reads its own ring instead, which only the
    /// stream's <see cref="FilterIndex"/> writes, so cursors, losses, the slow-client policy and heartbeats
    /// work the same for it. Its ring holds up to <c>buffer_size</c> messages, and at most 256 for a client
    /// that filters by name or issuer (a few messages a second): 10,000 of them stay a few MB.
    /// </summary>
    internal StreamFilter? Filter
    {
        get => _filter;
        init
        {
            _filter = value;
            if (value is not null)
            {
                var size = value.IsSelective ? Math.Min(Services.BufferSize, SelectiveRingSize) : Services.BufferSize;
                _ring = new MessageRing(size, Services.Options.MaxQueueBytes);
                _cursor = _countedUpTo = _headAtLastTick = 0;
            }
        }
    }

    /// <summary>The ring this client reads: the stream's, or its own (<see cref="Filter"/>).</summary>
    internal MessageRing Ring => _ring;

    /// <summary>The <see cref="FilterIndex"/>'s per-message mark (a client matched by several names gets the message once); its lock only.</summary>
    internal long FilterStamp { get; set; }

    /// <summary>Whether the <see cref="FilterIndex"/> has queued this client for the next flush tick; its lock only.</summary>
    internal bool FilterWakePending { get; set; }

    /// <summary>Set by the hub once this client's tallies have moved to the node's totals.</summary>
    internal bool Retired { get; set; }

    /// <summary>When something last arrived from the peer (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastReceivedAt => Volatile.Read(ref _lastReceive);

    /// <summary>Messages waiting for this client (a snapshot, for the gauges).</summary>
    public long Backlog => Math.Max(0, _ring.Head - Math.Max(Volatile.Read(ref _cursor), _ring.Oldest));

    /// <summary>Whether the transport can send a <see cref="SharedBatch"/> as it is (<see cref="TakeSharedBatch"/>).</summary>
    internal virtual bool TakesSharedBatches => false;

    /// <summary>Whether a quiet peer means a dead peer: only transports that see the peer's pongs.</summary>
    protected virtual bool TracksPeerLiveness => false;

    /// <summary>Wakes the send loop: new messages, a control frame or a close is due.</summary>
    public void Wake() => _wake.Set();

    /// <summary>Wakes the send loop on this thread: it writes what is due and returns at its next await (the flush tick).</summary>
    public void WakeInline() => _wake.SetInline();

    /// <summary>
    /// Asks the connection to close; the first reason given wins. The close (pending writes, close
    /// frame, the peer's answer) gets <c>close_timeout_secs</c>; a peer that holds it up longer,
    /// typically by not reading, is cut off.
    /// </summary>
    public void RequestClose(DisconnectReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, 0) != 0)
        {
            return;
        }

        var deadline = Services.Time.CreateTimer(static state => ((ClientConnection)state!).AbortUnlessFinished(), this, Services.Options.CloseTimeout, Timeout.InfiniteTimeSpan);
        Volatile.Write(ref _closeDeadline, deadline);
        OnCloseRequested(reason);
        _wake.Set();
    }

    /// <summary>Liveness and slow-client checks; the node calls this once a second for every client.</summary>
    public void Tick(long now)
    {
        if (IsClosing)
        {
            return;
        }

        var s = Services;
        var flushStarted = Volatile.Read(ref _flushStarted);
        if (flushStarted != 0 && now - flushStarted >= s.DeadPeerTicks)
        {
            RequestClose(DisconnectReason.WriteStall);
            return;
        }

        var control = Control.None;
        if (TracksPeerLiveness)
        {
            if (now - Volatile.Read(ref _lastReceive) >= s.DeadPeerTicks)
            {
                RequestClose(DisconnectReason.DeadPeer);
                return;
            }

            if (now - Volatile.Read(ref _lastPing) >= s.PingTicks)
            {
                control |= Control.Ping;
            }
        }

        // Clients time out on JSON reads (certstream-go: 15 s per read), and their pings, our pongs
        // and our pings are invisible to those reads: only a JSON message restarts the silence.
        if (now - Volatile.Read(ref _lastMessage) >= s.HeartbeatTicks)
        {
            control |= Control.Heartbeat;
        }

        if (IsSlow(now) && s.Options.SlowClientPolicy == SlowClientPolicy.Disconnect)
        {
            RequestClose(DisconnectReason.SlowClient);
            return;
        }

        if (control != Control.None)
        {
            Request(control);
        }
    }

    /// <summary>
    /// Whether the client has been behind for the slow-client grace period: it lost messages, and
    /// has not caught up since. Ingestors publish in batches, so even a client that never reads
    /// loses messages only in the seconds a batch arrives; a quiet second is not a recovery. Caught
    /// up means no loss since the previous tick and everything that was queued at that tick
    /// written (the cursor has passed that tick's head): a client that keeps up with a stream that
    /// never pauses is always a few messages behind the live head, never behind last second's.
    /// Runs on the liveness tick, whatever the send loop is doing (typically waiting on a flush
    /// that a client that does not read never completes).
    /// </summary>
    private bool IsSlow(long now)
    {
        long dropped, cursor;
        lock (_accounting)
        {
            AccountLost(moveCursor: false);
            dropped = _dropped;
            cursor = _cursor;
        }

        var lost = dropped > _droppedAtLastTick;
        var caughtUp = !lost && cursor >= _headAtLastTick;
        _droppedAtLastTick = dropped;
        _headAtLastTick = _ring.Head;
        if (lost && _lagSince == 0)
        {
            _lagSince = now;
        }
        else if (caughtUp)
        {
            _lagSince = 0;
        }

        return _lagSince != 0 && now - _lagSince >= Services.SlowClientGraceTicks;
    }

    /// <summary>Records that something arrived from the peer (it is alive).</summary>
    protected void MarkReceived() => Volatile.Write(ref _lastReceive, Services.Time.GetTimestamp());

    protected void Request(Control control)
    {
        Interlocked.Or(ref _control, (int)control);
        _wake.Set();
    }

    /// <summary>
    /// The send loop: runs until the connection closes, then performs the transport's close. Never
    /// throws; a failing transport ends the loop with <see cref="DisconnectReason.ClientClosed"/>.
    /// </summary>
    protected async Task RunSendLoopAsync()
    {
        try
        {
            if (_resumeFrom is { } since)
            {
                await ReplayAsync(since);
            }

            while (!IsClosing)
            {
                await _wake.WaitAsync();
                var more = true;
                while (more && !IsClosing)
                {
                    if (!WritePending(out more))
                    {
                        break;
                    }

                    Volatile.Write(ref _flushStarted, Services.Time.GetTimestamp());
                    Volatile.Write(ref _writes, _writes + 1);
                    var flush = FlushAsync();
                    _behind = !flush.IsCompleted || _gaveBack;
                    _gaveBack = false;
                    var writable = await flush;
                    Volatile.Write(ref _flushStarted, 0);
                    if (!writable)
                    {
                        RequestClose(DisconnectReason.ClientClosed);
                    }
                }
            }
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            RequestClose(DisconnectReason.ClientClosed);
        }
        catch (Exception ex)
        {
            GatewayLog.ClientFailed(Services.Logger, TransportProtocols.Name(Protocol), Remote, ex);
            RequestClose(DisconnectReason.Error);
        }

        lock (_accounting)
        {
            AccountLost(moveCursor: false);
        }

        try
        {
            await CloseTransportAsync(CloseReason);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            // The peer is gone already; nothing left to tell it.
        }
        finally
        {
            _finished = true;
            Volatile.Read(ref _closeDeadline)?.Dispose();
        }
    }

    // The deadline timer may fire after the connection has ended (and, for HTTP, the socket serves another request).
    private void AbortUnlessFinished()
    {
        if (!_finished)
        {
            Abort();
        }
    }

    /// <summary>Writes control frames, queued messages or a heartbeat into the transport's buffer. False: nothing to write.</summary>
    private bool WritePending(out bool more)
    {
        more = false;
        var time = Services.Time;
        var control = (Control)Interlocked.Exchange(ref _control, 0);
        var wrote = false;
        var wroteMessage = false;
        if ((control & Control.Pong) != 0)
        {
            wrote |= WritePong();
        }

        if ((control & Control.Ping) != 0)
        {
            WritePing();
            Volatile.Write(ref _lastPing, time.GetTimestamp());
            wrote = true;
        }

        var budget = _behind ? BehindFlushBytes : MaxFlushBytes;
        var messages = 0;
        var ring = _ring;
        if (!wrote && TryTakeSharedBatch(out messages, out more))
        {
            budget = 0; // the shared batch is this flush
        }

        while (budget > 0)
        {
            int count;
            lock (_accounting)
            {
                AccountLost(moveCursor: true);
                count = ring.Read(ref _cursor, _batch, budget);
            }

            if (count == 0)
            {
                if (Volatile.Read(ref _cursor) < ring.Oldest)
                {
                    continue; // lapped while reading: account for it and read on
                }

                break;
            }

            WriteDropNoticeIfDue();
            for (var i = 0; i < count; i++)
            {
                var entry = _batch[i]!;
                _batch[i] = null;
                if (_replayedThrough.Sequence != 0 && AlreadyReplayed(entry.Json.Span))
                {
                    messages--; // sent from the replay buffer already
                    continue;
                }

                WriteMessage(entry.Json.Span); // never the envelope header
                budget -= entry.Payload.Length;
            }

            messages += count;
            if (budget <= 0)
            {
                more = Volatile.Read(ref _cursor) < ring.Head;
                break;
            }
        }

        if (messages > 0)
        {
            Volatile.Write(ref _sent, _sent + messages); // exported by GatewayMetrics.ObserveTotals
            wroteMessage = true;
        }
        else if ((control & Control.Heartbeat) != 0)
        {
            Span<byte> heartbeat = stackalloc byte[HeartbeatMessage.MaxLength];
            WriteMessage(heartbeat[..HeartbeatMessage.Format(heartbeat, time.GetUtcNow())]);
            Services.Metrics.HeartbeatSent(Stream, Protocol);
            wroteMessage = true;
        }

        if (wroteMessage)
        {
            Volatile.Write(ref _lastMessage, time.GetTimestamp());
        }

        return wrote || wroteMessage;
    }

    /// <summary>
    /// A client that keeps up, with nothing else to write, takes the flush's <see cref="SharedBatch"/>
    /// from its cursor on when the batch holds it: the messages framed once for all such clients. Not while it is
    /// behind (it gets smaller batches), filtered (its own ring), just resumed (the seam skips
    /// messages) or owed a drop notice.
    /// </summary>
    private bool TryTakeSharedBatch(out int messages, out bool more)
    {
        messages = 0;
        more = false;
        if (!TakesSharedBatches || _behind || _filter is not null || _replayedThrough.Sequence != 0)
        {
            return false;
        }

        var batch = Topic.AcquireSharedBatch(Volatile.Read(ref _cursor));
        if (batch is null)
        {
            return false;
        }

        long from;
        lock (_accounting)
        {
            AccountLost(moveCursor: true);
            from = _cursor;
            if (!batch.Holds(from) || Volatile.Read(ref _dropped) != _noticedDrops)
            {
                batch.Release();
                return false;
            }

            _cursor = batch.End;
        }

        TakeSharedBatch(batch, from);
        messages = (int)(batch.End - from);
        more = batch.Capped && _cursor < _ring.Head;
        return true;
    }

    /// <summary>
    /// Called by the flush of a shared batch whose socket did not take it all: the messages from
    /// <paramref name="next"/> to <paramref name="end"/> were not sent and are read from the ring
    /// again, now, in the client's own (smaller) batches, so it holds no part of the shared one.
    /// </summary>
    protected void ReturnUnsent(long next, long end)
    {
        lock (_accounting)
        {
            _cursor = next;
        }

        Volatile.Write(ref _sent, _sent - (end - next));
        _gaveBack = true;
        _wake.Set();
    }

    /// <summary>
    /// Makes <paramref name="batch"/>, from the message at <paramref name="from"/> on, the next flush's
    /// bytes (nothing else was written); the transport releases it by the time its flush returns.
    /// </summary>
    protected virtual void TakeSharedBatch(SharedBatch batch, long from) => throw new NotSupportedException();

    /// <summary>Counts messages evicted before this client read them; optionally moves the cursor past them. Under <see cref="_accounting"/>.</summary>
    private void AccountLost(bool moveCursor)
    {
        var oldest = _ring.Oldest;
        var from = Math.Max(_cursor, _countedUpTo);
        if (oldest > from)
        {
            var lost = oldest - from;
            Volatile.Write(ref _dropped, _dropped + lost); // exported by GatewayMetrics.ObserveTotals
            _countedUpTo = oldest;
        }

        if (moveCursor && _cursor < oldest)
        {
            _cursor = oldest;
        }
    }

    /// <summary>Writes one message (or heartbeat) with the transport's framing.</summary>
    protected abstract void WriteMessage(ReadOnlySpan<byte> json);

    /// <summary>Writes a ping frame (transports with pings only).</summary>
    protected virtual void WritePing()
    {
    }

    /// <summary>Writes a pong for the latest ping received; false if there is none.</summary>
    protected virtual bool WritePong() => false;

    /// <summary>Sends what was written. False: the peer is gone (or the flush was cancelled by a close).</summary>
    protected abstract ValueTask<bool> FlushAsync();

    /// <summary>Called once, on the thread that first asked to close.</summary>
    protected virtual void OnCloseRequested(DisconnectReason reason)
    {
    }

    /// <summary>Cuts the connection off (the close deadline passed); pending writes and reads then fail.</summary>
    protected abstract void Abort();

    /// <summary>Ends the connection after the send loop has stopped (close frame, end of stream, socket shutdown).</summary>
    protected abstract Task CloseTransportAsync(DisconnectReason reason);

    /// <summary>Exceptions that mean the connection broke, not that the gateway has a bug.</summary>
    protected static bool IsTransportFailure(Exception ex) =>
        ex is IOException or OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException;

    /// <summary>Writes prefix, payload and suffix: the framing of the line-based transports (SSE, TCP).</summary>
    protected static void WriteLine(IBufferWriter<byte> output, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> json, ReadOnlySpan<byte> suffix)
    {
        // A message must be one line: drop a trailing newline some publishers add.
        if (!json.IsEmpty && json[^1] == (byte)'\n')
        {
            json = json[..^1];
        }

        if (!prefix.IsEmpty)
        {
            output.Write(prefix);
        }

        output.Write(json);
        output.Write(suffix);
    }
}
