namespace CertStream.Feed.Contracts;

/// <summary>
/// One certificate (or precertificate) entry of a CT log, published at least once on the durable
/// feed. Every redelivery of the same entry carries the same message id,
/// <see cref="FeedMessageId.For(string, long)"/> of (<see cref="LogUrl"/>, <see cref="Index"/>),
/// so consumers can drop repeats. The leaf fields users filter on are copied out of
/// <see cref="Payload"/>, which holds the full certstream <c>certificate_update</c> message.
/// </summary>
/// <remarks>
/// Versioning: fields are only ever added, never renamed, retyped or removed, and each new one
/// has a default, so a consumer built against an older version reads newer messages (and the
/// reverse). <see cref="Version"/> is raised with each addition; a change that cannot be made
/// that way gets a new message type instead.
/// </remarks>
public sealed record CertificateLogged
{
    /// <summary>The version the publisher of this assembly writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Contract version of this message (1: the fields below).</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>The log's URL as the log list gives it (RFC 6962 <c>url</c>, static-ct <c>monitoring_url</c>), ending with <c>/</c>.</summary>
    public string LogUrl { get; init; } = "";

    /// <summary>The log's description from the log list.</summary>
    public string LogName { get; init; } = "";

    /// <summary>The entry's index in its log.</summary>
    public long Index { get; init; }

    /// <summary><c>X509LogEntry</c> or <c>PrecertLogEntry</c>.</summary>
    public string UpdateType { get; init; } = "";

    /// <summary>The leaf's SAN dNSNames, then its subject CN (certstream's <c>all_domains</c>).</summary>
    public IReadOnlyList<string> AllDomains { get; init; } = [];

    /// <summary>SHA-1 of the leaf's DER, upper-case hex with <c>:</c> (certstream's <c>fingerprint</c>).</summary>
    public string Sha1 { get; init; } = "";

    /// <summary>SHA-256 of the leaf's DER, same form.</summary>
    public string Sha256 { get; init; } = "";

    /// <summary>The leaf issuer's <c>aggregated</c> form, e.g. <c>/C=US/CN=R11/O=Let's Encrypt</c>.</summary>
    public string Issuer { get; init; } = "";

    public DateTimeOffset NotBefore { get; init; }

    public DateTimeOffset NotAfter { get; init; }

    /// <summary>The entry's own CT timestamp.</summary>
    public DateTimeOffset LoggedAt { get; init; }

    /// <summary>The full certstream <c>certificate_update</c> JSON (leaf and chain with <c>as_der</c>), as the full stream sends it.</summary>
    public string Payload { get; init; } = "";
}
