using System.Buffers.Binary;

namespace CertStream.CtLogSimulator.Entries;

/// <summary>
/// Reads the recorded entries (RFC 6962 and TileLeaf structures). The simulator has its own small reader so
/// that it stays an independent oracle for the ingestor's decoders.
/// </summary>
internal ref struct TlsReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { get; private set; }

    public readonly int Remaining => _data.Length - Position;

    public ReadOnlySpan<byte> Bytes(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new InvalidDataException($"need {count} bytes at offset {Position}, {Remaining} left");
        }

        var slice = _data.Slice(Position, count);
        Position += count;
        return slice;
    }

    public int UInt8() => Bytes(1)[0];

    public int UInt16() => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2));

    public int UInt24()
    {
        var b = Bytes(3);
        return (b[0] << 16) | (b[1] << 8) | b[2];
    }

    public long UInt64() => BinaryPrimitives.ReadInt64BigEndian(Bytes(8));

    public ReadOnlySpan<byte> Opaque24() => Bytes(UInt24());

    public ReadOnlySpan<byte> Opaque16() => Bytes(UInt16());
}
