using System.Threading.Tasks.Sources;

namespace CertStream.Gateway.Fanout;

/// <summary>
/// An auto-reset wake-up for one client's send loop: many threads <see cref="Set"/>, one loop
/// awaits. Reusable and allocation-free (unlike a TaskCompletionSource per wait), and a Set that
/// lands while the loop is busy is remembered, so no wake-up is lost. <see cref="Set"/> runs the
/// loop's continuation on the thread pool, so the Redis loop that calls it never ends up writing
/// to a socket; <see cref="SetInline"/> runs it on the calling thread (the flush tick, which has
/// nothing else to do: a thread-pool hop per client and flush is pure overhead there).
/// </summary>
internal sealed class WakeSignal : IValueTaskSource<bool>
{
    private const int Idle = 0;
    private const int Waiting = 1;
    private const int Signaled = 2;

    private ManualResetValueTaskSourceCore<bool> _core;
    private int _state;

    /// <summary>Completes when <see cref="Set"/> is (or has been, since the last wait) called. Single awaiter.</summary>
    public ValueTask<bool> WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signaled) == Signaled)
        {
            return new ValueTask<bool>(true);
        }

        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) != Idle)
        {
            // Set landed between the two exchanges.
            Volatile.Write(ref _state, Idle);
            return new ValueTask<bool>(true);
        }

        return new ValueTask<bool>(this, _core.Version);
    }

    public void Set() => Signal(inline: false);

    /// <summary>
    /// Like <see cref="Set"/>, but a waiting loop continues on this thread until its next await
    /// (typically one write and a flush that the socket takes at once).
    /// </summary>
    public void SetInline() => Signal(inline: true);

    private void Signal(bool inline)
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Signaled:
                    return;
                case Idle:
                    if (Interlocked.CompareExchange(ref _state, Signaled, Idle) == Idle)
                    {
                        return;
                    }

                    break;
                default:
                    if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
                    {
                        // Only the winner of the exchange completes the wait, so the flag is ours
                        // until the next WaitAsync, which cannot start before the continuation runs.
                        // (A continuation registered after this completes is queued regardless.)
                        _core.RunContinuationsAsynchronously = !inline;
                        _core.SetResult(true);
                        return;
                    }

                    break;
            }
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
