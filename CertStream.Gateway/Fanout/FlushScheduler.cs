namespace CertStream.Gateway.Fanout;

/// <summary>
/// With <c>flush_interval_ms</c>: the first message after a flush arms a one-shot timer, and when
/// it fires every stream with new messages wakes its clients, which then write all that arrived
/// in one flush each. Nothing runs while no messages arrive (a periodic timer would cost an idle
/// node a wake-up per interval).
/// </summary>
internal sealed class FlushScheduler : IDisposable
{
    private readonly ITimer _timer;
    private readonly TimeSpan _interval;
    private readonly Action _flush;
    private int _armed;

    public FlushScheduler(TimeProvider time, TimeSpan interval, Action flush)
    {
        _interval = interval;
        _flush = flush;
        _timer = time.CreateTimer(static state => ((FlushScheduler)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Makes sure a flush happens within the interval.</summary>
    public void Arm()
    {
        if (Volatile.Read(ref _armed) == 0 && Interlocked.Exchange(ref _armed, 1) == 0)
        {
            _timer.Change(_interval, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timer.Dispose();

    private void Fire()
    {
        // Disarm before flushing: a message arriving during the flush arms the next one.
        Volatile.Write(ref _armed, 0);
        _flush();
    }
}
