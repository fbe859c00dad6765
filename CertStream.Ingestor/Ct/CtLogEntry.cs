using CertStream.Ingestor.Verification;

namespace CertStream.Ingestor.Ct;

public enum CtEntryType
{
    X509 = 0,
    Precert = 1,
}

/// <summary>
/// One decoded log entry, the same for RFC 6962 and static-ct-api logs.
/// <see cref="LeafDer"/> is the certificate to show: for precerts the <c>pre_certificate</c>
/// (never the TBS). <see cref="Chain"/> holds the chain DERs in log order (issuer first).
/// The memory may point into a response buffer that is reused after the batch is published.
/// </summary>
public readonly record struct CtLogEntry(
    long Index,
    long TimestampMs,
    CtEntryType Type,
    ReadOnlyMemory<byte> LeafDer,
    IReadOnlyList<ReadOnlyMemory<byte>> Chain)
{
    /// <summary>Precerts: the TBSCertificate in the Merkle leaf (what the log signed), checked against <see cref="LeafDer"/>.</summary>
    public ReadOnlyMemory<byte> PrecertTbs { get; init; }

    /// <summary>What verification found; anything but <see cref="EntryIntegrity.Verified"/> is shown as <c>data.integrity</c>.</summary>
    public EntryIntegrity Integrity { get; init; }
}
