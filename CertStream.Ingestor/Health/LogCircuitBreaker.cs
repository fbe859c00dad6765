namespace CertStream.Ingestor.Health;

/// <summary>
/// Per-log circuit breaker. Every failed round (after its retries) counts; at the threshold the
/// circuit opens and the log is left alone for the open period, then one trial round decides.
/// The open period starts short (<see cref="FirstOpenPeriod"/>) and doubles with each failed
/// trial up to <c>ct_log:circuit_open_secs</c>, with jitter, so a log that comes back after a
/// short outage is followed again within seconds, and one that stays down costs one trial per
/// open period. A failing log only ever waits on itself: other logs have their own breaker and worker.
/// </summary>
/// <remarks>
/// Not Polly's circuit breaker: that one opens on a failure ratio over a sampling window and is
/// driven by executing each call through it, while a round here is already a retried unit of work,
/// the rule is "N failed rounds in a row", and the worker needs the Degraded state for the gauge and
/// the time until the trial to sleep on (Polly exposes neither). Its growing break would need a
/// BreakDurationGenerator anyway, which is what <see cref="Backoff"/> computes here.
/// </remarks>
public sealed class LogCircuitBreaker(int unhealthyThreshold, TimeSpan maxOpenPeriod, TimeProvider time)
{
    /// <summary>The first open period (the trial comes after half to all of it), doubled per failed trial.</summary>
    public static readonly TimeSpan FirstOpenPeriod = TimeSpan.FromSeconds(2);

    private int _consecutiveFailures;
    private int _opens;
    private DateTimeOffset _openUntil;

    public CircuitState State { get; private set; } = CircuitState.Healthy;

    public int ConsecutiveFailures => _consecutiveFailures;

    /// <summary>How long the circuit stays open this time (zero unless open).</summary>
    public TimeSpan OpenPeriod { get; private set; }

    /// <summary>Returns the previous state when it changed, so the caller can log the transition once.</summary>
    public CircuitState? OnSuccess()
    {
        _consecutiveFailures = 0;
        _opens = 0;
        OpenPeriod = TimeSpan.Zero;
        return Transition(CircuitState.Healthy);
    }

    public CircuitState? OnFailure()
    {
        _consecutiveFailures++;
        if (_consecutiveFailures >= unhealthyThreshold)
        {
            _opens++;
            var first = FirstOpenPeriod < maxOpenPeriod ? FirstOpenPeriod : maxOpenPeriod;
            OpenPeriod = Backoff.Delay(_opens, first, maxOpenPeriod);
            _openUntil = time.GetUtcNow() + OpenPeriod;
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
