using System.Buffers;
using CertStream.Gateway.Transports;

namespace CertStream.Gateway.Fanout;

/// <summary>Writes one message with a transport's framing.</summary>
internal delegate void MessageFramer(IBufferWriter<byte> output, ReadOnlySpan<byte> json);

/// <summary>
/// One flush tick's new messages of a stream's shared ring, framed once for all the clients whose
/// cursor is among them (those that keep up: nearly all of them) instead of once per client. Such
/// a client sends these bytes as they are, from its cursor's message on, so a delivered message
/// costs it no copy and no framing. A client holds a reference only while it sends without waiting
/// (what its socket does not take goes back to the ring: <see cref="Unsent"/>), so no client pins a
/// batch; the pooled arrays go back to the pool when the last holder lets go (the topic lets go
/// when the next tick replaces the batch).
/// </summary>
internal sealed class SharedBatch
{
    /// <summary>
    /// Most bytes of messages in one batch: a whole ingestor burst (a CT log's new tree head brings
    /// hundreds of certificates at once), so that a client that keeps up writes it once per flush
    /// instead of once per 28 KiB of its own batches (with 500-certificate bursts at 1,000 clients,
    /// 64 KiB batches left half a second of per-client writes after each burst). It is one buffer
    /// per stream, held while clients send it and until the next tick; a client whose socket does
    /// not take it whole continues with its own, smaller batches.
    /// </summary>
    public const long MaxBytes = 1024 * 1024;

    private readonly byte[] _buffer;
    private readonly int[] _offsets; // where each message's frame starts
    private readonly int _length;
    private int _references = 1; // the topic's

    private SharedBatch(byte[] buffer, int[] offsets, int length, long start, long end, bool capped)
    {
        _buffer = buffer;
        _offsets = offsets;
        _length = length;
        Start = start;
        End = end;
        Capped = capped;
    }

    /// <summary>Ring sequence of its first message.</summary>
    public long Start { get; }

    /// <summary>Ring sequence after its last message.</summary>
    public long End { get; }

    /// <summary>It stopped at the byte limit: more messages may be waiting in the ring.</summary>
    public bool Capped { get; }

    public int Count => (int)(End - Start);

    /// <summary>Whether the message at <paramref name="sequence"/> is in the batch.</summary>
    public bool Holds(long sequence) => sequence >= Start && sequence < End;

    /// <summary>The framed messages from <paramref name="sequence"/> (<see cref="Holds"/>) to the end; valid while a reference is held.</summary>
    public ReadOnlyMemory<byte> FramesFrom(long sequence) => _buffer.AsMemory(_offsets[sequence - Start], _length - _offsets[sequence - Start]);

    /// <summary>
    /// Where a send of <see cref="FramesFrom"/>(<paramref name="from"/>) stopped after <paramref name="sent"/>
    /// bytes (fewer than all): the sequence of the first message not begun, and the rest of the
    /// message it stopped in (empty when it stopped between two messages).
    /// </summary>
    public (long Next, ReadOnlyMemory<byte> Remainder) Unsent(long from, int sent)
    {
        var at = _offsets[from - Start] + sent;
        var found = Array.BinarySearch(_offsets, 0, Count, at);
        if (found >= 0)
        {
            return (Start + found, ReadOnlyMemory<byte>.Empty);
        }

        var message = ~found - 1;
        var end = message + 1 < Count ? _offsets[message + 1] : _length;
        return (Start + message + 1, _buffer.AsMemory(at, end - at));
    }

    /// <summary>
    /// Frames the ring's messages from <paramref name="from"/> on, up to <paramref name="maxBytes"/> of
    /// payload (one message at least); null when there is none. <paramref name="scratch"/> holds the
    /// entries while they are framed.
    /// </summary>
    public static SharedBatch? Build(MessageRing ring, long from, long maxBytes, MessageFramer framer, Writer writer, RingEntry?[] scratch)
    {
        var cursor = Math.Max(from, ring.Oldest);
        var start = cursor;
        long bytes = 0;
        while (bytes < maxBytes)
        {
            var count = ring.Read(ref cursor, scratch, maxBytes - bytes);
            if (count == 0)
            {
                break;
            }

            for (var i = 0; i < count; i++)
            {
                var entry = scratch[i]!;
                scratch[i] = null;
                writer.MarkMessage();
                framer(writer.Output, entry.Json.Span);
                bytes += entry.Payload.Length;
            }
        }

        if (cursor == start)
        {
            writer.Discard();
            return null;
        }

        // A lapped read ends early; the batch is what was read, in order, from its start.
        var length = writer.Length;
        var buffer = writer.Detach(out var offsets);
        return new SharedBatch(buffer, offsets, length, start, cursor, capped: bytes >= maxBytes);
    }

    /// <summary>Takes a reference; false when the batch has been let go of already (use the ring).</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var references = Volatile.Read(ref _references);
            if (references == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _references, references + 1, references) == references)
            {
                return true;
            }
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            ArrayPool<int>.Shared.Return(_offsets);
        }
    }

    /// <summary>
    /// Collects a batch's frames in one pooled array and where each message starts; the batch it
    /// builds then owns both arrays. Reused by one thread (the stream's flush tick).
    /// </summary>
    internal sealed class Writer
    {
        private readonly PooledBufferWriter _frames = new();
        private int[]? _offsets;
        private int _messages;

        public IBufferWriter<byte> Output => _frames;

        public int Length => _frames.WrittenCount;

        /// <summary>The next bytes written are a new message's frame.</summary>
        public void MarkMessage()
        {
            _offsets ??= ArrayPool<int>.Shared.Rent(64);
            if (_messages == _offsets.Length)
            {
                var larger = ArrayPool<int>.Shared.Rent(_messages * 2);
                _offsets.AsSpan().CopyTo(larger);
                ArrayPool<int>.Shared.Return(_offsets);
                _offsets = larger;
            }

            _offsets[_messages++] = Length;
        }

        public void Discard()
        {
            _frames.Reset();
            if (_offsets is not null)
            {
                ArrayPool<int>.Shared.Return(_offsets);
            }

            _offsets = null;
            _messages = 0;
        }

        /// <summary>Hands the arrays over and starts empty.</summary>
        public byte[] Detach(out int[] offsets)
        {
            offsets = _offsets!;
            _offsets = null;
            _messages = 0;
            return _frames.Detach();
        }
    }
}
