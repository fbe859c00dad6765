using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Options;

/// <summary>Section <c>ct_log:</c>: how the ingestor talks to CT logs and keeps its cursors.</summary>
public sealed class CtLogOptions
{
    public const string Section = "ct_log";

    /// <summary>Optional JSON file that mirrors the tree state kept in Redis (single-node users).</summary>
    [ConfigurationKeyName("state_file")] public string? StateFile { get; init; }
    [ConfigurationKeyName("retry_max_attempts")] public int RetryMaxAttempts { get; init; } = 3;
    [ConfigurationKeyName("request_timeout_secs")] public int RequestTimeoutSecs { get; init; } = 30;
    /// <summary>Entries asked for per get-entries request (logs may return fewer).</summary>
    [ConfigurationKeyName("batch_size")] public int BatchSize { get; init; } = 256;
    /// <summary>Pause between polls of a log that is caught up.</summary>
    [ConfigurationKeyName("poll_interval_ms")] public int PollIntervalMs { get; init; } = 1000;
    /// <summary>get-entries requests in flight per log while it is behind.</summary>
    [ConfigurationKeyName("fetch_concurrency")] public int FetchConcurrency { get; init; } = 4;
    /// <summary>
    /// Fetch windows in flight (requested, not yet published) across all logs of this ingestor: with
    /// <c>batch_size</c>, what bounds the memory of fetching whatever the number of logs or their backlog.
    /// </summary>
    [ConfigurationKeyName("max_fetches_in_flight")] public int MaxFetchesInFlight { get; init; } = 8;
    /// <summary>Consecutive failed rounds that open a log's circuit breaker (at least 2).</summary>
    [ConfigurationKeyName("unhealthy_threshold")] public int UnhealthyThreshold { get; init; } = 5;
    /// <summary>How long an open circuit waits before a trial request.</summary>
    [ConfigurationKeyName("circuit_open_secs")] public int CircuitOpenSecs { get; init; } = 60;
    /// <summary>How long a replica's lease on a log lasts without renewal (a dead replica's logs move after this).</summary>
    [ConfigurationKeyName("lease_ttl_ms")] public int LeaseTtlMs { get; init; } = 15000;
    /// <summary>How often a replica renews its leases and rebalances (must be well under the TTL).</summary>
    [ConfigurationKeyName("coordination_interval_ms")] public int CoordinationIntervalMs { get; init; } = 5000;
    /// <summary>How often the log list is fetched again.</summary>
    [ConfigurationKeyName("log_list_refresh_secs")] public int LogListRefreshSecs { get; init; } = 3600;
}

public sealed class CtLogOptionsValidator : IValidateOptions<CtLogOptions>
{
    public ValidateOptionsResult Validate(string? name, CtLogOptions o)
    {
        var errors = new List<string>();
        void Positive(int value, string key)
        {
            if (value < 1)
            {
                errors.Add($"ct_log:{key}: {value} must be at least 1.");
            }
        }

        Positive(o.RetryMaxAttempts, "retry_max_attempts (CERTSTREAM_CT_LOG_RETRY_MAX_ATTEMPTS)");
        Positive(o.RequestTimeoutSecs, "request_timeout_secs (CERTSTREAM_CT_LOG_REQUEST_TIMEOUT_SECS)");
        Positive(o.BatchSize, "batch_size (CERTSTREAM_CT_LOG_BATCH_SIZE)");
        Positive(o.PollIntervalMs, "poll_interval_ms (CERTSTREAM_CT_LOG_POLL_INTERVAL_MS)");
        Positive(o.FetchConcurrency, "fetch_concurrency");
        Positive(o.MaxFetchesInFlight, "max_fetches_in_flight");
        if (o.UnhealthyThreshold < 2)
        {
            // The breaker is Polly's, whose minimum throughput (here: failed rounds in a row) is at least 2.
            errors.Add($"ct_log:unhealthy_threshold: {o.UnhealthyThreshold} must be at least 2.");
        }

        Positive(o.CircuitOpenSecs, "circuit_open_secs");
        Positive(o.LogListRefreshSecs, "log_list_refresh_secs");
        Positive(o.CoordinationIntervalMs, "coordination_interval_ms");
        if (o.LeaseTtlMs < 2 * o.CoordinationIntervalMs)
        {
            errors.Add($"ct_log:lease_ttl_ms: {o.LeaseTtlMs} must be at least twice ct_log:coordination_interval_ms ({o.CoordinationIntervalMs}), or leases lapse between renewals.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
