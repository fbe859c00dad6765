using System.Buffers;

namespace CertStream.Ingestor.Certificates;

/// <summary>
/// A growable UTF-8 scratch buffer on <see cref="ArrayPool{T}"/>, reused across certificates by one
/// thread, so that composed strings (joined name values, SAN lists …) cost no allocation per entry.
/// </summary>
internal sealed class Utf8Builder : IDisposable
{
    private byte[] _buffer;

    public Utf8Builder(int initialCapacity = 1024) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int Length { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, Length);

    public ReadOnlySpan<byte> Slice(int start, int length) => _buffer.AsSpan(start, length);

    public void Clear() => Length = 0;

    /// <summary>Drops everything after <paramref name="length"/> (undo of a partial append).</summary>
    public void Truncate(int length) => Length = length;

    public Span<byte> GetSpan(int sizeHint)
    {
        if (_buffer.Length - Length < sizeHint)
        {
            Grow(sizeHint);
        }

        return _buffer.AsSpan(Length);
    }

    public void Advance(int count) => Length += count;

    public void Append(byte value)
    {
        if (Length == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[Length++] = value;
    }

    public void Append(ReadOnlySpan<byte> value)
    {
        value.CopyTo(GetSpan(value.Length));
        Length += value.Length;
    }

    /// <summary>Appends a copy of an earlier part of this buffer (safe when the buffer grows meanwhile).</summary>
    public void AppendWritten(int start, int length)
    {
        var destination = GetSpan(length);
        _buffer.AsSpan(start, length).CopyTo(destination);
        Length += length;
    }

    private void Grow(int sizeHint)
    {
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Length + sizeHint));
        _buffer.AsSpan(0, Length).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        Length = 0;
    }
}
