using System.Security.Cryptography;

namespace CertStream.Ingestor.Ct.StaticCt;

/// <summary>
/// One static-ct-api TileLeaf (docs/ct-protocols.md §2.4). <see cref="LeafDer"/> is the certificate to show:
/// the x509 leaf, or the complete <c>pre_certificate</c> (never the TBS). <see cref="ChainFingerprints"/>
/// holds k SHA-256 fingerprints (32·k bytes, issuer first) to resolve through <c>issuer/&lt;hex&gt;</c>.
/// All memory slices the decoded tile. Equality of the memory fields is by reference.
/// </summary>
public readonly record struct TileLeaf(
    long Index,
    long TimestampMs,
    CtEntryType Type,
    ReadOnlyMemory<byte> LeafDer,
    ReadOnlyMemory<byte> ChainFingerprints)
{
    public const int FingerprintLength = 32;

    /// <summary>The TimestampedEntry bytes (timestamp to extensions): the Merkle leaf is <c>00 00 || this</c>.</summary>
    public ReadOnlyMemory<byte> TimestampedEntry { get; init; }

    /// <summary>Precerts: the logged TBSCertificate (inside <see cref="TimestampedEntry"/>).</summary>
    public ReadOnlyMemory<byte> PrecertTbs { get; init; }

    public int FingerprintCount => ChainFingerprints.Length / FingerprintLength;

    public ReadOnlyMemory<byte> Fingerprint(int i) => ChainFingerprints.Slice(i * FingerprintLength, FingerprintLength);

    /// <summary>RFC 6962 leaf hash: SHA-256(0x00 || MerkleTreeLeaf), MerkleTreeLeaf = 0x00 0x00 || TimestampedEntry.</summary>
    public void ComputeLeafHash(Span<byte> destination)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([0, 0, 0]);
        hash.AppendData(TimestampedEntry.Span);
        if (!hash.TryGetHashAndReset(destination, out _))
        {
            throw new ArgumentException("needs 32 bytes", nameof(destination));
        }
    }
}
