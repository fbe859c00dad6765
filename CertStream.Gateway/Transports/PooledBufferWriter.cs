using System.Buffers;

namespace CertStream.Gateway.Transports;

/// <summary>
/// A growable <see cref="IBufferWriter{T}"/> on <see cref="ArrayPool{T}"/> memory; <see cref="Reset"/>
/// returns the array, so a connection holds a buffer only between a write and its send.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>
{
    // Fits a full batch (16 KiB of messages plus the one that crosses the limit, framed), so a
    // batch is not copied again on the way; a single larger message grows it by doubling.
    private const int InitialSize = 32 * 1024;

    private byte[]? _buffer;
    private int _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public int WrittenCount => _written;

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Hands the array (and with it the duty to return it to the pool) to the caller, and starts empty.</summary>
    public byte[] Detach()
    {
        var buffer = _buffer ?? [];
        _buffer = null;
        _written = 0;
        return buffer;
    }

    public void Reset()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _written = 0;
    }

    private void Ensure(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, InitialSize));
            return;
        }

        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
