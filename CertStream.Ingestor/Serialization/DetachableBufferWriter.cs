using System.Buffers;

namespace CertStream.Ingestor.Serialization;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> on an <see cref="ArrayPool{T}"/> array whose written bytes are
/// not copied out but detached: <see cref="Detach"/> hands the array to a
/// <see cref="SerializedCertificate"/>, which returns it to the pool on Dispose, and the writer
/// rents a new one. (The gateway's PooledBufferWriter is the other kind: it keeps its array only
/// between a write and its send and returns it itself.)
/// </summary>
internal sealed class DetachableBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;

    public DetachableBufferWriter(int initialCapacity) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int WrittenCount { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, WrittenCount);

    public void Clear() => WrittenCount = 0;

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - WrittenCount))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        WrittenCount += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint); // before reading _buffer: it may be replaced
        return _buffer.AsMemory(WrittenCount);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsSpan(WrittenCount);
    }

    public void Write(ReadOnlySpan<byte> value)
    {
        value.CopyTo(GetSpan(value.Length));
        WrittenCount += value.Length;
    }

    /// <summary>Hands over the array (its first <see cref="WrittenCount"/> bytes); this writer gets a new one.</summary>
    public byte[] Detach(int nextCapacity)
    {
        var buffer = _buffer;
        _buffer = ArrayPool<byte>.Shared.Rent(nextCapacity);
        WrittenCount = 0;
        return buffer;
    }

    private void EnsureCapacity(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 256);
        if (_buffer.Length - WrittenCount < sizeHint)
        {
            var next = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, WrittenCount + sizeHint));
            _buffer.AsSpan(0, WrittenCount).CopyTo(next);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = next;
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        WrittenCount = 0;
    }
}
