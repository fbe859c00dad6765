using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Status;

/// <summary>
/// Section <c>cert_store:</c>: the bounded store behind the gateways' <c>/api/cert/{hash}</c>. Each
/// certificate's full-stream message is kept in Redis for <c>max_age_secs</c>, and at most
/// <c>max_certificates</c> of them (the oldest go first). A full message averages ~6 KB (the chain's
/// DER included; 7 KB of Redis memory with its pointer and index entry, measured), so the default 10,000 hold ~70 MB.
/// </summary>
public sealed class CertStoreOptions
{
    public const string Section = "cert_store";

    /// <summary>Most certificates kept; 0 turns the store off.</summary>
    [ConfigurationKeyName("max_certificates")] public int MaxCertificates { get; init; } = 10_000;

    /// <summary>How long a certificate is kept after it was last seen.</summary>
    [ConfigurationKeyName("max_age_secs")] public int MaxAgeSecs { get; init; } = 3600;

    public bool Enabled => MaxCertificates > 0;

    public TimeSpan MaxAge => TimeSpan.FromSeconds(MaxAgeSecs);
}

public sealed class CertStoreOptionsValidator : IValidateOptions<CertStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, CertStoreOptions o)
    {
        var errors = new List<string>();
        if (o.MaxCertificates is < 0 or > 10_000_000)
        {
            errors.Add($"cert_store:max_certificates (CERTSTREAM_CERT_STORE_MAX_CERTIFICATES): {o.MaxCertificates} must be 0 (off) to 10000000.");
        }

        if (o.MaxAgeSecs is < 1 or > 30 * 86_400)
        {
            errors.Add($"cert_store:max_age_secs (CERTSTREAM_CERT_STORE_MAX_AGE_SECS): {o.MaxAgeSecs} must be between 1 and 2592000 (30 days).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
