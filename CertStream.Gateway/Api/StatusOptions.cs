using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Api;

/// <summary>
/// Section <c>status:</c> (shared with the ingestors): how often this node writes its stats to Redis
/// for the cluster-wide <c>/api/stats</c>. A report lives three intervals, so a dead node drops out by itself.
/// </summary>
public sealed class StatusOptions
{
    public const string Section = "status";

    [ConfigurationKeyName("report_interval_ms")] public int ReportIntervalMs { get; init; } = 5000;

    public TimeSpan ReportInterval => TimeSpan.FromMilliseconds(ReportIntervalMs);

    public TimeSpan ReportTtl => TimeSpan.FromMilliseconds(ReportIntervalMs * 3L);
}

public sealed class StatusOptionsValidator : IValidateOptions<StatusOptions>
{
    public ValidateOptionsResult Validate(string? name, StatusOptions o) =>
        o.ReportIntervalMs is < 100 or > 600_000
            ? ValidateOptionsResult.Fail($"status:report_interval_ms (CERTSTREAM_STATUS_REPORT_INTERVAL_MS): {o.ReportIntervalMs} must be between 100 and 600000.")
            : ValidateOptionsResult.Success;
}
