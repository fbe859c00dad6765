using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CertStream.Ingestor.Workers;

/// <summary>
/// Readiness of the replica: the log list was loaded and a coordination round (which needs
/// Redis) succeeded recently. Degraded until then, Unhealthy when rounds stopped succeeding.
/// </summary>
public sealed class IngestorReadiness(TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(30);

    public volatile bool LogListLoaded;
    public int LogsFollowed;
    public DateTimeOffset? LastRound;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["logs_followed"] = LogsFollowed };
        if (LastRound is not { } last)
        {
            return Task.FromResult(HealthCheckResult.Degraded("starting: no coordination round yet", data: data));
        }

        if (time.GetUtcNow() - last > Stale)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"no successful coordination round since {last:O} (Redis?)", data: data));
        }

        return Task.FromResult(LogListLoaded
            ? HealthCheckResult.Healthy($"following {LogsFollowed} logs", data)
            : HealthCheckResult.Degraded("log list not loaded yet", data: data));
    }
}
