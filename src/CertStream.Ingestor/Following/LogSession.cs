using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Health;
using CertStream.Ingestor.State;
using CertStream.Ingestor.Telemetry;

namespace CertStream.Ingestor.Following;

/// <summary>The lease holder lost the log while working on it: stop without moving anything.</summary>
public sealed class LeaseLostException(string logKey) : Exception($"lease for {logKey} is held by another replica");

/// <summary>
/// One followed log's moving parts: its cursor (next index, largest tree size seen), its circuit
/// breaker and its retry policy. The cursor only moves through <see cref="AdvanceAsync"/>, after
/// the entries before it were published, and never backwards.
/// </summary>
public sealed class LogSession(
    CtLogInfo log,
    string owner,
    LogStatus status,
    LogCircuitBreaker breaker,
    RetryPolicy retry,
    RedisTreeStateStore store,
    ILogger logger)
{
    private bool _hasCursor;
    private long _nextIndex;
    private long _maxTreeSize;

    public CtLogInfo Log => log;

    public LogStatus Status => status;

    public LogCircuitBreaker Breaker => breaker;

    public RetryPolicy Retry => retry;

    public bool HasCursor => _hasCursor;

    public long NextIndex => _nextIndex;

    public long MaxTreeSize => _maxTreeSize;

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
            Telemetry.Log.StaleTreeHead(logger, log.Key, size, _maxTreeSize);
            return;
        }

        _maxTreeSize = size;
        Volatile.Write(ref status.TreeSize, size);
    }

    /// <summary>With no saved cursor, a log is followed from its current tip.</summary>
    public async Task StartAtTipAsync()
    {
        Telemetry.Log.StartingAtTip(logger, log.Key, Target);
        _hasCursor = true;
        await AdvanceAsync(Target);
    }

    public async Task AdvanceAsync(long nextIndex)
    {
        if (nextIndex < _nextIndex)
        {
            throw new InvalidOperationException($"cursor of {log.Key} would move back from {_nextIndex} to {nextIndex}");
        }

        if (!await store.SaveAsync(log.Key, owner, new TreeState(nextIndex, Math.Max(_maxTreeSize, nextIndex))))
        {
            throw new LeaseLostException(log.Key);
        }

        _nextIndex = nextIndex;
        Volatile.Write(ref status.NextIndex, nextIndex);
    }

    public Task<T> WithRetryAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken ct) =>
        retry.ExecuteAsync(action, (ex, attempt, delay) =>
            Telemetry.Log.RequestRetry(logger, log.Key, attempt, (long)delay.TotalMilliseconds, ex.Message), ct);
}
