namespace CertStream.Ingestor.Verification;

/// <summary>
/// What verification says about one streamed entry. <see cref="Verified"/> (the default) adds nothing to
/// the wire output; any other value is written as <c>data.integrity</c> (docs/wire-format.md).
/// </summary>
public enum EntryIntegrity
{
    /// <summary>Nothing found wrong (or verification is off): the message is unchanged.</summary>
    Verified = 0,

    /// <summary>
    /// The pre_certificate in extra_data (or the TileLeaf) is not the logged TBS: the leaf shown is built
    /// from the TBS in the Merkle leaf, which is what the log's hashes and signatures cover.
    /// </summary>
    PrecertTbsMismatch = 1,

    /// <summary>The log failed verification and the policy streams its entries marked instead of stopping it.</summary>
    LogUnverified = 2,
}

public static class EntryIntegrityNames
{
    /// <summary>The <c>data.integrity</c> value, or null for <see cref="EntryIntegrity.Verified"/>.</summary>
    public static string? WireName(this EntryIntegrity integrity) => integrity switch
    {
        EntryIntegrity.PrecertTbsMismatch => "precert_tbs_mismatch",
        EntryIntegrity.LogUnverified => "log_unverified",
        _ => null,
    };
}
