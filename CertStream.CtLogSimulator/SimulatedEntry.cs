namespace CertStream.CtLogSimulator;

public enum SimulatedEntryType
{
    X509 = 0,
    Precert = 1,
}

/// <summary>
/// One entry of a simulated log: its logical content (what an ingestor must decode) and the exact bytes
/// served for it. RFC 6962 logs fill <see cref="LeafInput"/> and <see cref="ExtraData"/>; tiled logs
/// fill <see cref="TileLeaf"/>. The same index always gives the same bytes.
/// </summary>
public sealed class SimulatedEntry
{
    internal SimulatedEntry(
        long index,
        long timestampMs,
        SimulatedEntryType type,
        ReadOnlyMemory<byte> leafDer,
        ReadOnlyMemory<byte> precertTbs,
        ReadOnlyMemory<byte> issuerKeyHash,
        IReadOnlyList<ReadOnlyMemory<byte>> chain,
        bool isRecorded)
    {
        Index = index;
        TimestampMs = timestampMs;
        Type = type;
        LeafDer = leafDer;
        PrecertTbs = precertTbs;
        IssuerKeyHash = issuerKeyHash;
        Chain = chain;
        IsRecorded = isRecorded;
    }

    public long Index { get; }

    /// <summary>The <c>TimestampedEntry.timestamp</c> (ms since the Unix epoch).</summary>
    public long TimestampMs { get; }

    public SimulatedEntryType Type { get; }

    /// <summary>The certificate a certstream message shows: the x509 leaf, or the complete <c>pre_certificate</c>.</summary>
    public ReadOnlyMemory<byte> LeafDer { get; }

    /// <summary>Precert only: the TBSCertificate in the leaf (poison removed).</summary>
    public ReadOnlyMemory<byte> PrecertTbs { get; }

    /// <summary>Precert only: SHA-256 of the issuing CA's SubjectPublicKeyInfo.</summary>
    public ReadOnlyMemory<byte> IssuerKeyHash { get; }

    /// <summary>Chain DERs, issuer first (for tiled logs: the DERs behind the fingerprints).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Chain { get; }

    /// <summary>True for the embedded real entries, false for generated ones.</summary>
    public bool IsRecorded { get; }

    /// <summary>RFC 6962 logs: the MerkleTreeLeaf served as <c>leaf_input</c>.</summary>
    public ReadOnlyMemory<byte> LeafInput { get; internal init; }

    /// <summary>RFC 6962 logs: the <c>extra_data</c>.</summary>
    public ReadOnlyMemory<byte> ExtraData { get; internal init; }

    /// <summary>Tiled logs: the TileLeaf record (with the leaf_index extension) inside the data tile.</summary>
    public ReadOnlyMemory<byte> TileLeaf { get; internal init; }
}
