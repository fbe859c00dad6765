using System.Buffers.Binary;

namespace CertStream.Ingestor.Ct.Rfc6962;

/// <summary>Decodes a get-entries entry (MerkleTreeLeaf <c>leaf_input</c> + <c>extra_data</c>).</summary>
/// <remarks>Byte layouts: RFC 6962 §3.1, §3.4 (docs/ct-protocols.md §1.3, §1.4).</remarks>
public static class Rfc6962EntryDecoder
{
    private const int HeaderLength = 12; // version, leaf_type, timestamp, entry_type
    private const int IssuerKeyHashLength = 32;

    /// <summary>
    /// Decodes one entry. For precerts the leaf is the <c>pre_certificate</c> of extra_data.
    /// The returned memory slices <paramref name="extraData"/> / <paramref name="leafInput"/>.
    /// Throws <see cref="CtDecodeException"/> on any malformed input.
    /// </summary>
    public static CtLogEntry Decode(long index, byte[] leafInput, byte[] extraData)
    {
        ArgumentNullException.ThrowIfNull(leafInput);
        ArgumentNullException.ThrowIfNull(extraData);
        return Decode(index, leafInput.AsMemory(), extraData.AsMemory());
    }

    /// <summary>As <see cref="Decode(long, byte[], byte[])"/>, on slices of a pooled get-entries body.</summary>
    public static CtLogEntry Decode(long index, ReadOnlyMemory<byte> leafInputMemory, ReadOnlyMemory<byte> extraData)
    {
        var leafInput = leafInputMemory.Span;
        if (leafInput.Length < HeaderLength)
        {
            throw Fail(index, $"leaf_input is {leafInput.Length} bytes, shorter than the 12-byte MerkleTreeLeaf header");
        }

        if (leafInput[0] != 0)
        {
            throw Fail(index, $"unknown MerkleTreeLeaf version {leafInput[0]}");
        }

        if (leafInput[1] != 0)
        {
            throw Fail(index, $"unknown MerkleLeafType {leafInput[1]}");
        }

        var timestamp = BinaryPrimitives.ReadUInt64BigEndian(leafInput.Slice(2, 8));
        if (timestamp > long.MaxValue)
        {
            throw Fail(index, $"timestamp {timestamp} out of range");
        }

        var entryType = BinaryPrimitives.ReadUInt16BigEndian(leafInput.Slice(10, 2));
        var pos = HeaderLength;
        CtEntryType type;
        ReadOnlyMemory<byte> leaf;
        ReadOnlyMemory<byte> precertTbs = default;
        switch (entryType)
        {
            case 0:
                type = CtEntryType.X509;
                leaf = ReadOpaque24(index, leafInputMemory, ref pos, "leaf_input ASN.1Cert");
                break;
            case 1:
                type = CtEntryType.Precert;
                leaf = default;
                if (leafInput.Length - pos < IssuerKeyHashLength)
                {
                    throw Fail(index, "leaf_input ends inside PreCert.issuer_key_hash");
                }

                pos += IssuerKeyHashLength;

                // Kept to check the pre_certificate against it (Verification/PrecertTbs.cs, docs/wire-format.md).
                precertTbs = ReadOpaque24(index, leafInputMemory, ref pos, "leaf_input PreCert.tbs_certificate");
                break;
            default:
                throw Fail(index, $"unknown LogEntryType {entryType}");
        }

        if (leafInput.Length - pos < 2)
        {
            throw Fail(index, "leaf_input ends before the CtExtensions length");
        }

        var extensionsLength = BinaryPrimitives.ReadUInt16BigEndian(leafInput.Slice(pos, 2));
        pos += 2;
        if (leafInput.Length - pos != extensionsLength)
        {
            throw Fail(index, $"leaf_input CtExtensions length {extensionsLength} does not match the {leafInput.Length - pos} bytes left");
        }

        var extra = 0;
        if (type == CtEntryType.Precert)
        {
            // PrecertChainEntry: the leaf shown is the submitted pre_certificate.
            leaf = ReadOpaque24(index, extraData, ref extra, "extra_data pre_certificate");
        }

        var chain = ReadCertificateList(index, extraData, ref extra);
        if (extra != extraData.Length)
        {
            throw Fail(index, $"extra_data has {extraData.Length - extra} trailing bytes");
        }

        return new CtLogEntry(index, (long)timestamp, type, leaf, chain) { PrecertTbs = precertTbs };
    }

    // ASN.1Cert certificate_chain<0..2^24-1>: a 3-byte total length, then 3-byte-length-prefixed certificates.
    private static ReadOnlyMemory<byte>[] ReadCertificateList(long index, ReadOnlyMemory<byte> data, ref int pos)
    {
        var listLength = ReadUInt24(index, data, ref pos, "extra_data chain length");
        if (data.Length - pos < listLength)
        {
            throw Fail(index, $"extra_data chain length {listLength} runs past the {data.Length - pos} bytes left");
        }

        var end = pos + listLength;

        // Count first so that the array is exact: one allocation per entry.
        var count = 0;
        for (var p = pos; p < end; count++)
        {
            _ = ReadOpaque24(index, data, ref p, "extra_data chain certificate", end);
        }

        if (count == 0)
        {
            return [];
        }

        var chain = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < count; i++)
        {
            chain[i] = ReadOpaque24(index, data, ref pos, "extra_data chain certificate", end);
        }

        return chain;
    }

    private static ReadOnlyMemory<byte> ReadOpaque24(long index, ReadOnlyMemory<byte> data, ref int pos, string what, int end = -1)
    {
        if (end < 0)
        {
            end = data.Length;
        }

        var length = ReadUInt24(index, data, ref pos, what, end);
        if (length == 0)
        {
            throw Fail(index, $"{what} is empty");
        }

        if (end - pos < length)
        {
            throw Fail(index, $"{what} length {length} runs past the {end - pos} bytes left");
        }

        var slice = data.Slice(pos, length);
        pos += length;
        return slice;
    }

    private static int ReadUInt24(long index, ReadOnlyMemory<byte> memory, ref int pos, string what, int end = -1)
    {
        var data = memory.Span;
        if (end < 0)
        {
            end = data.Length;
        }

        if (end - pos < 3)
        {
            throw Fail(index, $"{what}: the 3-byte length runs past the end");
        }

        var value = (data[pos] << 16) | (data[pos + 1] << 8) | data[pos + 2];
        pos += 3;
        return value;
    }

    private static CtDecodeException Fail(long index, string message) =>
        new($"RFC 6962 entry {index}: {message}");
}
