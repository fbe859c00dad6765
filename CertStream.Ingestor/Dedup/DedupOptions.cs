using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Dedup;

/// <summary>
/// Section <c>dedup:</c>: how long the ingestors remember a certificate for the gateways'
/// <c>?dedup=</c> streams (README, "Deduplicated stream"). Each certificate costs two Redis keys
/// (about 100 bytes each) for the window: at 400 certificates/s, an hour is roughly 300 MB.
/// </summary>
public sealed class DedupOptions
{
    public const string Section = "dedup";

    /// <summary>Seconds a certificate (and a precert/final pair) is remembered cluster-wide; 0 turns the check off (dedup clients then receive nothing).</summary>
    [ConfigurationKeyName("window_secs")] public int WindowSecs { get; init; } = 3600;

    public bool Enabled => WindowSecs > 0;
}

public sealed class DedupOptionsValidator : IValidateOptions<DedupOptions>
{
    /// <summary>A week: longer windows hold more keys than any Redis should for this.</summary>
    public const int MaxWindowSecs = 7 * 24 * 3600;

    public ValidateOptionsResult Validate(string? name, DedupOptions o) =>
        o.WindowSecs is < 0 or > MaxWindowSecs
            ? ValidateOptionsResult.Fail($"dedup:window_secs (CERTSTREAM_DEDUP_WINDOW_SECS): {o.WindowSecs} must be 0 (off) to {MaxWindowSecs} (a week).")
            : ValidateOptionsResult.Success;
}
