using CertStream.Ingestor.Ct;

namespace CertStream.Ingestor.LogList;

/// <summary>Why a log of the list is not followed.</summary>
public enum LogSkipReason
{
    /// <summary><c>state: rejected</c>: not trusted (usually all its certificates expired).</summary>
    Rejected = 0,

    /// <summary><c>state: retired</c>: the operator may have turned it off.</summary>
    Retired = 1,

    /// <summary><c>state: pending</c> while <see cref="LogListParserOptions.FollowPending"/> is off.</summary>
    Pending = 2,

    /// <summary><c>log_type: test</c> (staging/test CA traffic).</summary>
    TestLog = 3,

    /// <summary><c>log_type: monitoring_only</c>.</summary>
    MonitoringOnly = 4,

    /// <summary>A <c>log_type</c> this parser does not know: not assumed to be production.</summary>
    UnknownLogType = 5,

    /// <summary>No <c>state</c> (a log that never applied).</summary>
    NoState = 6,

    /// <summary>A <c>state</c> key this parser does not know.</summary>
    UnknownState = 7,

    /// <summary><c>temporal_interval.end_exclusive</c> is older than now minus the grace period.</summary>
    Expired = 8,

    /// <summary>No usable URL (<c>url</c> for logs[], <c>monitoring_url</c> for tiled_logs[]), or not absolute http(s).</summary>
    InvalidUrl = 9,

    /// <summary>The same URL appears earlier in the list.</summary>
    Duplicate = 10,

    /// <summary>The log's JSON does not have the v3 shape (not an object, a state that is not one key…).</summary>
    Malformed = 11,
}

/// <summary>A log of the list that is not followed, and why.</summary>
public readonly record struct SkippedLog(string Description, string? Url, CtLogKind Kind, LogSkipReason Reason, string Detail);

/// <summary>
/// The logs to follow (<see cref="Logs"/>, in list order) and the ones left out (<see cref="Skipped"/>).
/// <see cref="Version"/> and <see cref="Timestamp"/> are the list's own, when present.
/// </summary>
public sealed record LogListResult(
    IReadOnlyList<CtLogInfo> Logs,
    IReadOnlyList<SkippedLog> Skipped,
    string? Version,
    DateTimeOffset? Timestamp)
{
    public int SkippedCount => Skipped.Count;

    /// <summary>How many logs were skipped for each reason (reasons with none are absent).</summary>
    public IReadOnlyDictionary<LogSkipReason, int> SkippedByReason()
    {
        var counts = new Dictionary<LogSkipReason, int>();
        foreach (var skipped in Skipped)
        {
            counts[skipped.Reason] = counts.GetValueOrDefault(skipped.Reason) + 1;
        }

        return counts;
    }
}

/// <summary>Which logs <see cref="LogListParser"/> follows.</summary>
public sealed record LogListParserOptions
{
    public static LogListParserOptions Default { get; } = new();

    /// <summary>
    /// A log whose <c>temporal_interval.end_exclusive</c> is older than now minus this is skipped: it accepts
    /// only certificates that have expired by then, so after a few days of stragglers it goes quiet.
    /// </summary>
    public TimeSpan ExpiryGrace { get; init; } = TimeSpan.FromDays(3);

    /// <summary>
    /// Follow <c>pending</c> logs (in all_logs_list.json only): they are real logs in compliance monitoring and
    /// receive real submissions, which a certstream should show. On by default.
    /// </summary>
    public bool FollowPending { get; init; } = true;
}

/// <summary>The document is not a v3 log list at all (not JSON, or no <c>operators</c> array).</summary>
public sealed class LogListFormatException(string message, Exception? inner = null) : Exception(message, inner);
