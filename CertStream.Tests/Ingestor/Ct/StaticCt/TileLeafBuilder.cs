using System.Buffers.Binary;

namespace CertStream.Tests.Ingestor.Ct.StaticCt;

/// <summary>Writes hand-made TileLeaf records for the decoder's edge cases.</summary>
internal sealed class TileLeafBuilder
{
    private readonly MemoryStream _tile = new();

    public byte[] ToArray() => _tile.ToArray();

    public TileLeafBuilder X509(long timestamp, byte[] cert, byte[] extensions, byte[] fingerprints, int entryType = 0)
    {
        UInt64(timestamp);
        UInt16(entryType);
        Opaque24(cert);
        Opaque16(extensions);
        Opaque16(fingerprints);
        return this;
    }

    public TileLeafBuilder Precert(long timestamp, byte[] tbs, byte[] preCertificate, byte[] extensions, byte[] fingerprints)
    {
        UInt64(timestamp);
        UInt16(1);
        _tile.Write(new byte[32]);
        Opaque24(tbs);
        Opaque16(extensions);
        Opaque24(preCertificate);
        Opaque16(fingerprints);
        return this;
    }

    public static byte[] LeafIndexExtension(long index, int length = 5)
    {
        var ext = new byte[3 + length];
        ext[0] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ext.AsSpan(1), (ushort)length);
        for (var i = 0; i < length; i++)
        {
            ext[3 + length - 1 - i] = (byte)(index >> (8 * i));
        }

        return ext;
    }

    private void UInt64(long value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, value);
        _tile.Write(b);
    }

    private void UInt16(int value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)value);
        _tile.Write(b);
    }

    private void Opaque16(byte[] data)
    {
        UInt16(data.Length);
        _tile.Write(data);
    }

    private void Opaque24(byte[] data)
    {
        _tile.Write([(byte)(data.Length >> 16), (byte)(data.Length >> 8), (byte)data.Length]);
        _tile.Write(data);
    }
}
