using System.Security.Cryptography;

namespace CertStream.CtLogSimulator.Entries;

/// <summary>Writes entries in the RFC 6962 (leaf_input/extra_data) and static-ct-api (TileLeaf) wire forms.</summary>
internal static class EntryEncoder
{
    private const int LeafIndexExtensionType = 0;

    /// <summary>MerkleTreeLeaf: version 0, leaf_type 0, TimestampedEntry with empty extensions.</summary>
    public static byte[] LeafInput(long timestampMs, SimulatedEntryType type, ReadOnlySpan<byte> certOrTbs, ReadOnlySpan<byte> issuerKeyHash)
    {
        var w = new TlsWriter(certOrTbs.Length + 64);
        w.UInt8(0);
        w.UInt8(0);
        TimestampedEntry(w, timestampMs, type, certOrTbs, issuerKeyHash, leafIndex: null);
        return w.ToArray();
    }

    /// <summary>x509: <c>certificate_chain</c>; precert: <c>PrecertChainEntry</c>.</summary>
    public static byte[] ExtraData(SimulatedEntryType type, ReadOnlySpan<byte> preCertificate, IReadOnlyList<ReadOnlyMemory<byte>> chain)
    {
        var chainLength = 0;
        foreach (var der in chain)
        {
            chainLength += 3 + der.Length;
        }

        var w = new TlsWriter(preCertificate.Length + chainLength + 8);
        if (type == SimulatedEntryType.Precert)
        {
            w.Opaque24(preCertificate);
        }

        w.UInt24(chainLength);
        foreach (var der in chain)
        {
            w.Opaque24(der.Span);
        }

        return w.ToArray();
    }

    /// <summary>static-ct-api TileLeaf: TimestampedEntry (leaf_index extension), pre_certificate, fingerprints.</summary>
    public static byte[] TileLeaf(long index, long timestampMs, SimulatedEntryType type, ReadOnlySpan<byte> certOrTbs, ReadOnlySpan<byte> issuerKeyHash,
        ReadOnlySpan<byte> preCertificate, IReadOnlyList<ReadOnlyMemory<byte>> chain)
    {
        var w = new TlsWriter(certOrTbs.Length + preCertificate.Length + 32 * chain.Count + 64);
        TimestampedEntry(w, timestampMs, type, certOrTbs, issuerKeyHash, index);
        if (type == SimulatedEntryType.Precert)
        {
            w.Opaque24(preCertificate);
        }

        w.UInt16(32 * chain.Count);
        Span<byte> fingerprint = stackalloc byte[32];
        foreach (var der in chain)
        {
            SHA256.HashData(der.Span, fingerprint);
            w.Bytes(fingerprint);
        }

        return w.ToArray();
    }

    private static void TimestampedEntry(TlsWriter w, long timestampMs, SimulatedEntryType type, ReadOnlySpan<byte> certOrTbs, ReadOnlySpan<byte> issuerKeyHash, long? leafIndex)
    {
        w.UInt64(timestampMs);
        w.UInt16((int)type);
        if (type == SimulatedEntryType.Precert)
        {
            w.Bytes(issuerKeyHash);
        }

        w.Opaque24(certOrTbs);
        if (leafIndex is { } index)
        {
            // CtExtensions: one Extension { uint8 type = leaf_index; opaque data<0..2^16-1> = uint40 index }.
            w.UInt16(1 + 2 + 5);
            w.UInt8(LeafIndexExtensionType);
            w.UInt16(5);
            w.UInt40(index);
        }
        else
        {
            w.UInt16(0);
        }
    }
}
