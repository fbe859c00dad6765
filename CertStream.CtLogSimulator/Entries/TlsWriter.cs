using System.Buffers;
using System.Buffers.Binary;

namespace CertStream.CtLogSimulator.Entries;

/// <summary>Big-endian TLS presentation-language writer (RFC 6962 structures) over a growable buffer.</summary>
internal sealed class TlsWriter(int initialCapacity = 1024)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(initialCapacity);

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void UInt8(int value) => _buffer.Write([(byte)value]);

    public void UInt16(int value)
    {
        if ((uint)value > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value));
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer.GetSpan(2), (ushort)value);
        _buffer.Advance(2);
    }

    public void UInt24(int value)
    {
        if ((uint)value > 0xFFFFFF)
        {
            throw new ArgumentOutOfRangeException(nameof(value));
        }

        var span = _buffer.GetSpan(3);
        span[0] = (byte)(value >> 16);
        span[1] = (byte)(value >> 8);
        span[2] = (byte)value;
        _buffer.Advance(3);
    }

    public void UInt40(long value)
    {
        if ((ulong)value > 0xFF_FFFF_FFFF)
        {
            throw new ArgumentOutOfRangeException(nameof(value));
        }

        var span = _buffer.GetSpan(5);
        for (var i = 4; i >= 0; i--)
        {
            span[i] = (byte)value;
            value >>= 8;
        }

        _buffer.Advance(5);
    }

    public void UInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void Bytes(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    /// <summary><c>opaque x&lt;1..2^24-1&gt;</c>: 3-byte length, then the bytes.</summary>
    public void Opaque24(ReadOnlySpan<byte> bytes)
    {
        UInt24(bytes.Length);
        Bytes(bytes);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
