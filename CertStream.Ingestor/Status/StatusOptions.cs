using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Status;

/// <summary>
/// Section <c>status:</c>: how often this replica writes its status (every log's cursor, lag,
/// errors, circuit) to Redis for the gateways' <c>/api/logs</c> and <c>/api/stats</c>. The report
/// lives three intervals, so a replica that died vanishes from the API on its own.
/// </summary>
public sealed class StatusOptions
{
    public const string Section = "status";

    [ConfigurationKeyName("report_interval_ms")] public int ReportIntervalMs { get; init; } = 5000;

    public TimeSpan ReportInterval => TimeSpan.FromMilliseconds(ReportIntervalMs);

    /// <summary>How long a report stays in Redis: three intervals, so one late or failed write does not hide the replica.</summary>
    public TimeSpan ReportTtl => TimeSpan.FromMilliseconds(ReportIntervalMs * 3L);
}

public sealed class StatusOptionsValidator : IValidateOptions<StatusOptions>
{
    public ValidateOptionsResult Validate(string? name, StatusOptions o) =>
        o.ReportIntervalMs is < 100 or > 600_000
            ? ValidateOptionsResult.Fail($"status:report_interval_ms (CERTSTREAM_STATUS_REPORT_INTERVAL_MS): {o.ReportIntervalMs} must be between 100 and 600000.")
            : ValidateOptionsResult.Success;
}
