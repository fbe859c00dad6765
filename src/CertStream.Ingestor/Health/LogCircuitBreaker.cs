namespace CertStream.Ingestor.Health;

/// <summary>
/// Per-log circuit breaker. Every failed round (after its retries) counts; at the threshold the
/// circuit opens and the log is left alone for the open period, then one trial round decides.
/// A failing log only ever waits on itself: other logs have their own breaker and worker.
/// </summary>
public sealed class LogCircuitBreaker(int unhealthyThreshold, TimeSpan openPeriod, TimeProvider time)
{
    private int _consecutiveFailures;
    private DateTimeOffset _openUntil;

    public CircuitState State { get; private set; } = CircuitState.Healthy;

    public int ConsecutiveFailures => _consecutiveFailures;

    /// <summary>Returns the previous state when it changed, so the caller can log the transition once.</summary>
    public CircuitState? OnSuccess()
    {
        _consecutiveFailures = 0;
        return Transition(CircuitState.Healthy);
    }

    public CircuitState? OnFailure()
    {
        _consecutiveFailures++;
        if (_consecutiveFailures >= unhealthyThreshold)
        {
            _openUntil = time.GetUtcNow() + openPeriod;
            return Transition(CircuitState.Open);
        }

        return Transition(CircuitState.Degraded);
    }

    /// <summary>How long to wait before the next round is allowed (zero unless open).</summary>
    public TimeSpan WaitBeforeNextRound()
    {
        if (State != CircuitState.Open)
        {
            return TimeSpan.Zero;
        }

        var wait = _openUntil - time.GetUtcNow();
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    private CircuitState? Transition(CircuitState next)
    {
        var previous = State;
        State = next;
        return previous == next ? null : previous;
    }
}
