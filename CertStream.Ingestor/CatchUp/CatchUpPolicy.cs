using CertStream.Ingestor.Following;
using CertStream.Ingestor.Options;
using CertStream.Ingestor.Telemetry;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.CatchUp;

/// <summary>
/// What a log that is behind its tip publishes, and how fast. The newest <see cref="LiveWindow"/>
/// entries behind the tip are live and go out at once. Older entries are backlog: paced by the
/// shared <see cref="CatchUpLimiter"/>, and when the oldest of them is older than
/// <c>ct_log:catchup_max_age_secs</c> (by its CT timestamp), the part older than that is skipped:
/// the cursor moves past it, <c>certstream_ingestor_skipped_entries_total{log}</c> counts it and
/// one warning line names the range. Live clients get fresh certificates at a pace they can read.
/// </summary>
public sealed class CatchUpPolicy(
    CatchUpLimiter limiter,
    IOptions<CatchUpOptions> options,
    IOptions<CtLogOptions> ctLog,
    IngestorMetrics metrics,
    TimeProvider time,
    ILogger<CatchUpPolicy> logger)
{
    /// <summary>
    /// Entries behind the tip that still count as live: what one round fetches at once
    /// (<c>batch_size × fetch_concurrency</c>, 1,024 by default; a busy log grows by a few hundred
    /// entries per poll, so tip-following never waits for the budget).
    /// </summary>
    public long LiveWindow => Math.Max(256L, (long)ctLog.Value.BatchSize) * ctLog.Value.FetchConcurrency;

    /// <summary>Waits for the catch-up budget for the backlog entries among [start, end) of a log whose tip is <paramref name="target"/>.</summary>
    public ValueTask PaceAsync(long start, long end, long target, CancellationToken ct)
    {
        var backlog = Math.Min(end, target - LiveWindow) - start;
        return backlog > 0 ? limiter.WaitAsync(backlog, ct) : ValueTask.CompletedTask;
    }

    /// <summary>
    /// Moves the cursor past the part of the backlog older than <c>catchup_max_age_secs</c>, if any.
    /// <paramref name="timestampAt"/> reads one entry's CT timestamp (ms); the boundary is found by
    /// bisection (CT timestamps grow with the index, up to the logs' merge delay, so it is close).
    /// </summary>
    public async Task SkipStaleBacklogAsync(LogSession session, Func<long, CancellationToken, Task<long>> timestampAt, CancellationToken ct)
    {
        var maxAge = options.Value.CatchupMaxAgeSecs;
        var from = session.NextIndex;
        var target = session.Target;
        if (maxAge <= 0 || target - from <= LiveWindow)
        {
            return;
        }

        var cutoff = time.GetUtcNow().ToUnixTimeMilliseconds() - (maxAge * 1000L);
        if (await timestampAt(from, ct) >= cutoff)
        {
            return;
        }

        // Invariant: entry `old` is older than the cutoff; `young` is the first candidate (target: none left).
        long old = from, young = target;
        while (young - old > 1)
        {
            var mid = old + ((young - old) / 2);
            if (await timestampAt(mid, ct) >= cutoff)
            {
                young = mid;
            }
            else
            {
                old = mid;
            }
        }

        IngestorLog.BacklogSkipped(logger, session.Log.Key, young - from, from, young, maxAge);
        metrics.EntriesSkipped(session.Log.Key, young - from);
        await session.AdvanceAsync(young, ct);
    }
}
