using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Health;
using CertStream.Ingestor.State;
using CertStream.Ingestor.Telemetry;
using Polly;
using Polly.Retry;
using StackExchange.Redis;

namespace CertStream.Ingestor.Following;

/// <summary>
/// The log is no longer this replica's to follow: another replica holds its lease, or moved its
/// cursor ahead of this one's. Stop without moving anything.
/// </summary>
public sealed class LeaseLostException(string logKey, bool cursorAhead = false)
    : Exception(cursorAhead ? $"the cursor of {logKey} in Redis is ahead of this replica's" : $"lease for {logKey} is held by another replica")
{
    public bool CursorAhead => cursorAhead;
}

/// <summary>
/// One followed log's moving parts: its cursor (next index, largest tree size seen) and the retry
/// pipeline of its CT requests (<see cref="RequestRetry"/>). The cursor only moves through <see cref="AdvanceAsync"/>, after
/// the entries before it were published (or deliberately skipped), and never backwards. A cursor
/// save that fails because Redis is unreachable is retried with backoff (the pipeline waits): a
/// round that failed on it would fetch and publish everything again.
/// </summary>
public sealed class LogSession(
    CtLogInfo log,
    string owner,
    LogStatus status,
    ResiliencePipeline requestRetry,
    RedisTreeStateStore store,
    TimeSpan leaseTtl,
    Action onRedisFailure,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>Cursor saves are retried until Redis answers or the worker stops (Polly, no attempt limit).</summary>
    private readonly ResiliencePipeline _saveRetry = new ResiliencePipelineBuilder { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(5),
            ShouldHandle = new PredicateBuilder().Handle<RedisException>().Handle<TimeoutException>(),
        })
        .Build();

    private bool _hasCursor;
    private long _nextIndex;
    private long _maxTreeSize;

    public CtLogInfo Log => log;

    public LogStatus Status => status;

    public bool HasCursor => _hasCursor;

    public long NextIndex => _nextIndex;

    /// <summary>Where catching up stops: the largest size seen, but never past a readonly log's final size.</summary>
    public long Target => log.FinalTreeSize is { } final ? Math.Min(final, _maxTreeSize) : _maxTreeSize;

    public bool IsComplete => log.FinalTreeSize is { } final && _hasCursor && _nextIndex >= final;

    public void Restore(TreeState? state)
    {
        if (state is { } s)
        {
            _hasCursor = true;
            _nextIndex = s.NextIndex;
            _maxTreeSize = Math.Max(s.TreeSize, s.NextIndex);
            Volatile.Write(ref status.NextIndex, _nextIndex);
            Volatile.Write(ref status.TreeSize, _maxTreeSize);
        }
    }

    /// <summary>Keeps the largest tree size: a stale STH or checkpoint from a cache never rewinds anything.</summary>
    public void ObserveTreeSize(long size)
    {
        if (size < _maxTreeSize)
        {
            Telemetry.IngestorLog.StaleTreeHeadIgnored(logger, log.Key, size, _maxTreeSize);
            return;
        }

        _maxTreeSize = size;
        Volatile.Write(ref status.TreeSize, size);
    }

    /// <summary>With no saved cursor, a log is followed from its current tip.</summary>
    public async Task StartAtTipAsync(CancellationToken ct = default)
    {
        Telemetry.IngestorLog.StartedAtTip(logger, log.Key, Target);
        _hasCursor = true;
        await AdvanceAsync(Target, ct);
    }

    public async Task AdvanceAsync(long nextIndex, CancellationToken ct = default)
    {
        if (nextIndex < _nextIndex)
        {
            throw new InvalidOperationException($"cursor of {log.Key} would move back from {_nextIndex} to {nextIndex}");
        }

        await SaveAsync(new TreeState(nextIndex, Math.Max(_maxTreeSize, nextIndex)), onlyIfMissing: false, ct);
        _nextIndex = nextIndex;
        Volatile.Write(ref status.NextIndex, nextIndex);
    }

    /// <summary>
    /// Writes the cursor this replica holds back into Redis if Redis has none (it restarted empty
    /// or was flushed), so that a replica taking over later resumes from it. Cheap: one script
    /// call that writes nothing while the cursor is there. A Redis failure is left to the next round.
    /// </summary>
    public async Task WriteBackIfMissingAsync(CancellationToken ct)
    {
        if (!_hasCursor)
        {
            return;
        }

        try
        {
            var result = await store.SaveAsync(log.Key, owner, new TreeState(_nextIndex, Math.Max(_maxTreeSize, _nextIndex)), leaseTtl, onlyIfMissing: true)
                .WaitAsync(ct);
            Check(result);
            if (result.Outcome == CursorSaveOutcome.Restored)
            {
                Telemetry.IngestorLog.CursorWrittenBack(logger, log.Key, _nextIndex);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            onRedisFailure();
        }
    }

    /// <summary>Runs one CT request (fetch and decode) through the log's retry pipeline.</summary>
    public async Task<T> WithRetryAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken ct) =>
        await requestRetry.ExecuteAsync(static async (action, token) => await action(token), action, ct);

    private async Task SaveAsync(TreeState state, bool onlyIfMissing, CancellationToken ct)
    {
        var attempts = 0;
        await _saveRetry.ExecuteAsync(async token =>
        {
            attempts++;
            try
            {
                Check(await store.SaveAsync(log.Key, owner, state, leaseTtl, onlyIfMissing));
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                onRedisFailure();
                if (attempts == 1)
                {
                    Telemetry.IngestorLog.CursorSaveFailed(logger, log.Key, state.NextIndex, ex.Message);
                }

                throw;
            }
        }, ct);
        if (attempts > 1)
        {
            Telemetry.IngestorLog.CursorSaveRecovered(logger, log.Key, attempts);
        }
    }

    private void Check(CursorSaveResult result)
    {
        if (result.LeaseRetaken)
        {
            Telemetry.IngestorLog.LeaseRetaken(logger, log.Key);
        }

        switch (result.Outcome)
        {
            case CursorSaveOutcome.HeldByOther:
                throw new LeaseLostException(log.Key);
            case CursorSaveOutcome.StoredAhead:
                throw new LeaseLostException(log.Key, cursorAhead: true);
        }
    }
}
