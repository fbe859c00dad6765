using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Options;

/// <summary>
/// Keys of section <c>ct_log:</c> that decide how a log that is behind its tip is caught up
/// (after downtime, a Redis restart, a CT log outage). Live clients read only a few thousand
/// messages a second, so the backlog is published at a bounded rate on top of the live stream,
/// and a backlog too old to be worth streaming is skipped (counted and logged).
/// </summary>
public sealed class CatchUpOptions
{
    public const string Section = "ct_log";

    /// <summary>
    /// Entries per second this ingestor publishes from backlogs, all its logs together (0: no limit).
    /// The newest entries of each log (one fetch window behind the tip) are live and never wait.
    /// </summary>
    [ConfigurationKeyName("catchup_rate")] public int CatchupRate { get; init; } = 1000;

    /// <summary>Backlog entries older than this (by their CT timestamp) are skipped, not streamed (0: never skip).</summary>
    [ConfigurationKeyName("catchup_max_age_secs")] public int CatchupMaxAgeSecs { get; init; } = 3600;
}

public sealed class CatchUpOptionsValidator : IValidateOptions<CatchUpOptions>
{
    public ValidateOptionsResult Validate(string? name, CatchUpOptions o)
    {
        var errors = new List<string>();
        if (o.CatchupRate < 0)
        {
            errors.Add($"ct_log:catchup_rate (CERTSTREAM_CT_LOG_CATCHUP_RATE): {o.CatchupRate} must be 0 (no limit) or more.");
        }

        if (o.CatchupMaxAgeSecs < 0)
        {
            errors.Add($"ct_log:catchup_max_age_secs (CERTSTREAM_CT_LOG_CATCHUP_MAX_AGE_SECS): {o.CatchupMaxAgeSecs} must be 0 (never skip) or more.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
