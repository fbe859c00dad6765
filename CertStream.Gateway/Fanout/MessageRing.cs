namespace CertStream.Gateway.Fanout;

/// <summary>
/// The bounded queue of one stream kind, shared by all its clients: a ring of the newest messages,
/// at most <c>buffer_size</c> of them and at most <c>max_queue_bytes</c> in total. Each client keeps
/// its own read cursor into it, so a client's backlog is the span between its cursor and the head:
/// bounded like a per-client queue with drop-oldest, but held once per node instead of once per
/// client, and a message costs nothing per client to enqueue. A client whose cursor has fallen
/// behind the oldest retained message has lost those messages and is told how many.
/// </summary>
/// <remarks>
/// Single writer (the Redis subscription loop of the stream), many lock-free readers. The writer
/// moves <see cref="_oldest"/> forward before it overwrites a slot, so a reader that checks the
/// oldest position after reading a slot knows whether it was lapped. The same <see cref="RingEntry"/>
/// may sit in several rings (a filtered client's private ring): the ring never reads its sequence.
/// </remarks>
internal sealed class MessageRing
{
    private readonly RingEntry?[] _slots;
    private readonly int _mask;
    private readonly int _maxCount;
    private readonly long _maxBytes;
    private long _next;     // sequence the next message gets; written by the writer only
    private long _oldest;   // oldest sequence still held
    private long _bytes;    // bytes held; writer only (read for metrics)

    public MessageRing(int maxCount, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        _maxCount = maxCount;
        _maxBytes = maxBytes;
        // One spare slot at least, so the slot being overwritten is always already evicted.
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)maxCount + 1);
        _slots = new RingEntry?[size];
        _mask = size - 1;
    }

    /// <summary>Sequence of the next message to arrive: a new client starts reading here.</summary>
    public long Head => Volatile.Read(ref _next);

    public long Oldest => Volatile.Read(ref _oldest);

    public int Count => (int)(Head - Oldest);

    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Adds a message, evicting the oldest ones until both bounds hold. Writer only.</summary>
    public void Append(ReadOnlyMemory<byte> payload) => Append(new RingEntry(_next, payload));

    /// <summary>Adds an entry made by the caller (its sequence is this ring's <see cref="Head"/> for the shared ring). Writer only.</summary>
    public void Append(RingEntry entry)
    {
        var payload = entry.Payload;
        var seq = _next;
        var oldest = _oldest;
        var bytes = _bytes;
        while (oldest < seq && (seq - oldest >= _maxCount || bytes + payload.Length > _maxBytes))
        {
            bytes -= _slots[oldest & _mask]!.Payload.Length;
            _slots[oldest & _mask] = null;
            oldest++;
        }

        Volatile.Write(ref _oldest, oldest);
        Volatile.Write(ref _slots[seq & _mask], entry);
        Volatile.Write(ref _bytes, bytes + payload.Length);
        Volatile.Write(ref _next, seq + 1);
    }

    /// <summary>Forgets every message (when the stream loses its last client). Writer side only.</summary>
    public void Clear()
    {
        var seq = _next;
        Array.Clear(_slots);
        Volatile.Write(ref _oldest, seq);
        Volatile.Write(ref _bytes, 0);
    }

    /// <summary>
    /// Copies messages from <paramref name="cursor"/> on into <paramref name="into"/>, stopping
    /// before <paramref name="maxBytes"/> would be exceeded (one message is always taken), at the
    /// head, or where the cursor has been lapped (evicted messages are the caller's to account for:
    /// compare the cursor with <see cref="Oldest"/>). Advances the cursor; returns how many were copied.
    /// </summary>
    public int Read(ref long cursor, Span<RingEntry?> into, long maxBytes)
    {
        var head = Volatile.Read(ref _next);
        var count = 0;
        long bytes = 0;
        while (cursor < head && count < into.Length)
        {
            var entry = Volatile.Read(ref _slots[cursor & _mask]);
            // Read after the slot: a writer that overwrote it had moved the oldest past the cursor first.
            if (entry is null || cursor < Volatile.Read(ref _oldest))
            {
                break;
            }

            if (count > 0 && bytes + entry.Payload.Length > maxBytes)
            {
                break;
            }

            into[count++] = entry;
            bytes += entry.Payload.Length;
            cursor++;
        }

        return count;
    }
}
