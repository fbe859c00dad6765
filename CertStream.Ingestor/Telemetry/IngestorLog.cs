using CertStream.Ingestor.Health;
using StackExchange.Redis;

namespace CertStream.Ingestor.Telemetry;

/// <summary>
/// Every log message of the ingestor. Event ids are stable: dashboards and alerts use them. Names
/// say what happened, subject first (<c>LeaseAcquired</c>, <c>RoundFailed</c>, <c>CircuitOpened</c>).
/// </summary>
internal static partial class IngestorLog
{
    // 1850-1899: the replay buffer (Publishing/ReplayPublisher).
    [LoggerMessage(1850, LogLevel.Information, "Replay buffer on: the last {MaxEntries} messages of lite and domains, {FullMaxEntries} of full, at most {MaxAgeSecs} s old (0: no age limit), kept in Redis for clients that resume")]
    public static partial void ReplayBufferOn(ILogger logger, int maxEntries, int fullMaxEntries, int maxAgeSecs);

    [LoggerMessage(1851, LogLevel.Warning, "Replay script for {Stream} failed: {Error}; publishing without replay buffer (no cursors) for {Seconds} s, then trying again")]
    public static partial void ReplayScriptFailed(ILogger logger, string stream, string error, long seconds);

    [LoggerMessage(1852, LogLevel.Warning, "This Redis cannot run the replay script ({Error}: Redis streams are needed, e.g. redis-server 6.2 or later): publishing without replay buffer; clients cannot resume")]
    public static partial void ReplayUnsupported(ILogger logger, string error);

    // 1500-1599: the durable feed (Feed/).
    [LoggerMessage(1500, LogLevel.Information, "Durable feed on: publishing to RabbitMQ at {Host}, backlog of at most {Capacity} entries, batches of {BatchSize}")]
    public static partial void FeedStarted(ILogger logger, string host, int capacity, int batchSize);

    [LoggerMessage(1501, LogLevel.Information, "Feed of {Log}: feed cursor {FeedCursor}, live cursor {LiveCursor} (-1: none yet)")]
    public static partial void FeedAttached(ILogger logger, string log, long feedCursor, long liveCursor);

    [LoggerMessage(1502, LogLevel.Warning, "Feed of {Log} fell behind the live streams at index {Index} (live at {Frontier}): {Reason}; re-reading the gap from the CT log")]
    public static partial void FeedFellBehind(ILogger logger, string log, long index, long frontier, string reason);

    [LoggerMessage(1503, LogLevel.Information, "Feed of {Log} caught up with the live streams at index {Index}")]
    public static partial void FeedCaughtUp(ILogger logger, string log, long index);

    [LoggerMessage(1504, LogLevel.Warning, "Feed of {Log}: re-reading [{From}, {To}) from the CT log failed (attempt {Attempt}): {Error}; retrying with backoff")]
    public static partial void FeedRefetchFailed(ILogger logger, string log, long from, long to, int attempt, string error);

    [LoggerMessage(1505, LogLevel.Warning, "Feed: {Count} messages not confirmed by RabbitMQ (attempt {Attempt}): {Error}; sending them again with backoff, the feed cursors wait")]
    public static partial void FeedPublishFailed(ILogger logger, int count, int attempt, string error);

    [LoggerMessage(1506, LogLevel.Information, "Feed: RabbitMQ confirms again (attempt {Attempt})")]
    public static partial void FeedPublishRecovered(ILogger logger, int attempt);

    [LoggerMessage(1507, LogLevel.Warning, "Feed cursor of {Log} ({Index}) could not be saved: {Error}; saved with the next batch")]
    public static partial void FeedCursorSaveFailed(ILogger logger, string log, long index, string error);

    [LoggerMessage(1508, LogLevel.Warning, "Feed: health change of {Log} could not be published: {Error}")]
    public static partial void FeedHealthPublishFailed(ILogger logger, string log, string error);

    [LoggerMessage(1000, LogLevel.Information, "Log list {Url}: following {Count} logs ({Custom} custom), skipped {Skipped}")]
    public static partial void LogListLoaded(ILogger logger, string url, int count, int custom, int skipped);

    [LoggerMessage(1001, LogLevel.Error, "Log list {Url} could not be loaded; keeping the previous list")]
    public static partial void LogListLoadFailed(ILogger logger, string url, Exception error);

    [LoggerMessage(1002, LogLevel.Error, "Log list {Url} could not be loaded ({Problem}); keeping the previous list, retrying")]
    public static partial void LogListFetchFailed(ILogger logger, string url, string problem);

    [LoggerMessage(1010, LogLevel.Information, "Lease acquired for {Log}")]
    public static partial void LeaseAcquired(ILogger logger, string log);

    [LoggerMessage(1011, LogLevel.Information, "Lease released for {Log}: {Reason}")]
    public static partial void LeaseReleased(ILogger logger, string log, string reason);

    [LoggerMessage(1012, LogLevel.Warning, "Lease lost for {Log}: another replica holds it now; stopping its worker")]
    public static partial void LeaseLost(ILogger logger, string log);

    /// <summary>
    /// An unreachable Redis is reported once per interval, naming the endpoint, by the shared Redis
    /// availability monitor: a round that fails for that reason is a Debug line without a stack trace.
    /// </summary>
    public static void CoordinationFailed(ILogger logger, Exception error)
    {
        if (error is RedisConnectionException)
        {
            CoordinationFailedRedisUnreachable(logger, error.Message);
        }
        else
        {
            CoordinationFailedWarning(logger, error);
        }
    }

    [LoggerMessage(1013, LogLevel.Warning, "Coordination round failed; retrying")]
    private static partial void CoordinationFailedWarning(ILogger logger, Exception error);

    [LoggerMessage(1300, LogLevel.Debug, "Coordination round failed, Redis unreachable; retrying: {Error}")]
    private static partial void CoordinationFailedRedisUnreachable(ILogger logger, string error);

    // Verification (issue 15): 1700-1799.
    [LoggerMessage(1700, LogLevel.Warning, "Log {Log} entry {Index}: the pre_certificate is not the logged TBS; streaming the logged TBS, marked precert_tbs_mismatch (reported once per log, counted in certstream.ingestor.precert_tbs_mismatches)")]
    public static partial void PrecertTbsMismatch(ILogger logger, string log, long index);

    [LoggerMessage(1701, LogLevel.Error, "Log {Log} failed verification ({Check}): {Detail}; the log is {Action} (verification:on_failure)")]
    public static partial void LogVerificationFailed(ILogger logger, string log, string check, string detail, string action);

    [LoggerMessage(1702, LogLevel.Warning, "Log {Log} has no usable public key (log list 'key' or custom_logs:N:key): its tree heads and proofs are not verified")]
    public static partial void LogHasNoKey(ILogger logger, string log);

    [LoggerMessage(1703, LogLevel.Warning, "Log {Log} does not serve {Endpoint} (404): that check is skipped for this log")]
    public static partial void ProofsNotServed(ILogger logger, string log, string endpoint);

    [LoggerMessage(1750, LogLevel.Information, "Log {Log}: verification continues from the tree head of size {Size} verified earlier (Redis)")]
    public static partial void VerifiedHeadLoaded(ILogger logger, string log, long size);

    [LoggerMessage(1751, LogLevel.Warning, "Log {Log} failed verification earlier ({Check} at {FailedAt}: {Detail}); it stays {Action} until the key {Key} is deleted")]
    public static partial void VerificationFailureLoaded(ILogger logger, string log, string check, DateTimeOffset failedAt, string detail, string action, string key);

    [LoggerMessage(1752, LogLevel.Warning, "Log {Log}: the verification state could not be saved to Redis ({Error}); it is retried with the next tree head")]
    public static partial void VerificationStateSaveFailed(ILogger logger, string log, string error);

    [LoggerMessage(1753, LogLevel.Warning, "Log {Log}: the log_integrity event could not be published after {Attempts} attempts ({Error})")]
    public static partial void IntegrityEventFailed(ILogger logger, string log, int attempts, string error);

    [LoggerMessage(1020, LogLevel.Information, "Following {Log} ({Kind}) from index {Index}")]
    public static partial void FollowStarted(ILogger logger, string log, string kind, long index);

    [LoggerMessage(1021, LogLevel.Information, "No saved cursor for {Log}: starting at the tip, index {Index}")]
    public static partial void StartedAtTip(ILogger logger, string log, long index);

    [LoggerMessage(1030, LogLevel.Warning, "Skipped entry {Index} of {Log}: {Reason}")]
    public static partial void EntrySkipped(ILogger logger, string log, long index, string reason);

    [LoggerMessage(1040, LogLevel.Debug, "Retrying {Log} (attempt {Attempt}) in {DelayMs} ms: {Error}")]
    public static partial void RequestRetried(ILogger logger, string log, int attempt, long delayMs, string error);

    [LoggerMessage(1041, LogLevel.Warning, "Round failed for {Log} ({Failures} in a row): {Error}")]
    public static partial void RoundFailed(ILogger logger, string log, int failures, string error);

    [LoggerMessage(1042, LogLevel.Warning, "Circuit of {Log}: {From} -> {To}")]
    public static partial void CircuitChanged(ILogger logger, string log, CircuitState from, CircuitState to);

    [LoggerMessage(1050, LogLevel.Debug, "{Log} served a tree size {Size} below the largest seen {MaxSeen}; ignored")]
    public static partial void StaleTreeHeadIgnored(ILogger logger, string log, long size, long maxSeen);

    [LoggerMessage(1051, LogLevel.Information, "{Log} is readonly and complete at {Size}; stopping")]
    public static partial void ReadonlyLogCompleted(ILogger logger, string log, long size);

    [LoggerMessage(1060, LogLevel.Error, "State file {Path} could not be written")]
    public static partial void StateFileWriteFailed(ILogger logger, string path, Exception error);

    [LoggerMessage(1070, LogLevel.Error, "Worker for {Log} failed unexpectedly; restarting it")]
    public static partial void WorkerCrashed(ILogger logger, string log, Exception error);

    // 1100-1199: Redis restarts and publish failures, catch-up, progress.
    [LoggerMessage(1100, LogLevel.Information, "Lease for {Log} was missing from Redis (restarted empty or flushed?): taken back, following on from this replica's cursor")]
    public static partial void LeaseRetaken(ILogger logger, string log);

    [LoggerMessage(1101, LogLevel.Warning, "Cursor of {Log} in Redis is ahead of this replica's: another replica moved it; stopping this worker to resume from it")]
    public static partial void CursorFoundAhead(ILogger logger, string log);

    [LoggerMessage(1102, LogLevel.Information, "Cursor of {Log} was missing from Redis: wrote back index {Index}")]
    public static partial void CursorWrittenBack(ILogger logger, string log, long index);

    [LoggerMessage(1103, LogLevel.Warning, "Saving the cursor of {Log} ({Index}) failed: {Error}; retrying with backoff")]
    public static partial void CursorSaveFailed(ILogger logger, string log, long index, string error);

    [LoggerMessage(1104, LogLevel.Information, "Saving the cursor of {Log} succeeded again (attempt {Attempt})")]
    public static partial void CursorSaveRecovered(ILogger logger, string log, int attempt);

    [LoggerMessage(1800, LogLevel.Warning, "Dedup check of {Count} entries failed in Redis: {Error}; published as first seen (dedup clients may see repeats)")]
    public static partial void DedupCheckFailed(ILogger logger, int count, string error);

    [LoggerMessage(1110, LogLevel.Warning, "Publishing entries of {Log} failed: {Error}; retrying with backoff, the cursor waits")]
    public static partial void PublishFailed(ILogger logger, string log, string error);

    [LoggerMessage(1111, LogLevel.Information, "Publishing entries of {Log} succeeded again (attempt {Attempt})")]
    public static partial void PublishRecovered(ILogger logger, string log, int attempt);

    [LoggerMessage(1112, LogLevel.Warning, "{Channel} has {Receivers} subscribers after the Redis outage, {Expected} before; publishing on after waiting {GraceSecs} s")]
    public static partial void SubscriberWaitEnded(ILogger logger, string channel, long receivers, long expected, long graceSecs);

    [LoggerMessage(1140, LogLevel.Warning, "Circuit of {Log} open: trial round in {Seconds:0.0} s")]
    public static partial void CircuitOpened(ILogger logger, string log, double seconds);

    [LoggerMessage(1130, LogLevel.Information, "{Log}: {Entries} entries published in {Seconds} s ({Rate:0.0}/s), next index {Index}, lag {Lag} to tree size {TreeSize}")]
    public static partial void ProgressReported(ILogger logger, string log, long entries, long seconds, double rate, long index, long lag, long treeSize);

    [LoggerMessage(1120, LogLevel.Warning, "Skipped {Count} entries of {Log} ([{From}, {To})): backlog older than ct_log:catchup_max_age_secs ({MaxAgeSecs} s); following on from {To}")]
    public static partial void BacklogSkipped(ILogger logger, string log, long count, long from, long to, int maxAgeSecs);

    // 1200-1249: the status report and the certificate store (Status/).
    [LoggerMessage(1200, LogLevel.Warning, "Status report not written to Redis: {Error}; /api/logs shows this replica again once a write succeeds (retried every interval)")]
    public static partial void StatusReportFailed(ILogger logger, string error);

    [LoggerMessage(1201, LogLevel.Information, "Status report written to Redis again")]
    public static partial void StatusReportRecovered(ILogger logger);

    [LoggerMessage(1202, LogLevel.Warning, "Certificate store (/api/cert) not written to Redis: {Error}; certificates are not stored until Redis answers (the streams are not affected)")]
    public static partial void CertStoreFailed(ILogger logger, string error);

    [LoggerMessage(1203, LogLevel.Information, "Certificate store written to Redis again")]
    public static partial void CertStoreRecovered(ILogger logger);
}
