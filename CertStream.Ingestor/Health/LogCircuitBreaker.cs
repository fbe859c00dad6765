using CertStream.Ingestor.Following;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using PollyCircuitState = Polly.CircuitBreaker.CircuitState;

namespace CertStream.Ingestor.Health;

/// <summary>
/// Per-log circuit breaker around the log's rounds (Polly's circuit breaker). Every failed round
/// (after its request retries) counts; after <c>ct_log:unhealthy_threshold</c> failed rounds in a
/// row the circuit opens and the log is left alone for the open period, then one trial round
/// decides. The open period starts short (<see cref="FirstOpenPeriod"/>) and doubles with each
/// failed trial up to <c>ct_log:circuit_open_secs</c>, with jitter, so a log that comes back after
/// a short outage is followed again within seconds, and one that stays down costs one trial per
/// open period. A failing log only ever waits on itself: other logs have their own breaker and worker.
/// A round run while the circuit is open throws <see cref="BrokenCircuitException"/>, whose
/// <see cref="BrokenCircuitException.RetryAfter"/> is the time until the trial.
/// </summary>
/// <remarks>
/// Polly opens on a failure ratio over a sampling window, not on "N in a row": the ratio is 1
/// (every round in the window failed), the minimum throughput is the threshold, and a success
/// resets the statistics (<see cref="CircuitBreakerManualControl.CloseAsync"/>), which together
/// make it "N failed rounds in a row". The Degraded state (failures, still closed) is this
/// service's own, for the <c>circuit_state</c> gauge; Polly has no such state.
/// </remarks>
public sealed class LogCircuitBreaker : IDisposable
{
    /// <summary>The first open period (the trial comes after half to all of it), doubled per failed trial.</summary>
    public static readonly TimeSpan FirstOpenPeriod = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Polly's circuit breaker runs a background task for its callbacks that only the registry that
    /// built it disposes (a pipeline from a bare builder is never disposed): one registry per breaker.
    /// </summary>
    private readonly ResiliencePipelineRegistry<string> _registry = new();
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerManualControl _control = new();
    private readonly CircuitBreakerStateProvider _polly = new();

    // unhealthyThreshold becomes Polly's minimum throughput, which must be at least 2 (the options validator says so).
    public LogCircuitBreaker(int unhealthyThreshold, TimeSpan maxOpenPeriod, TimeProvider time)
    {
        var first = FirstOpenPeriod < maxOpenPeriod ? FirstOpenPeriod : maxOpenPeriod;
        var options = new CircuitBreakerStrategyOptions
        {
            FailureRatio = 1.0,
            MinimumThroughput = unhealthyThreshold,
            // Long enough that failed rounds in a row are never forgotten by age (retried rounds can take minutes).
            SamplingDuration = TimeSpan.FromDays(1),
            ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is { } ex && CountsAsFailure(ex)),
            // HalfOpenAttempts counts the failed trials since the circuit last closed: 0 on the first opening.
            BreakDurationGenerator = args => ValueTask.FromResult(Backoff.Delay(args.HalfOpenAttempts + 1, first, maxOpenPeriod)),
            OnOpened = args =>
            {
                OpenPeriod = args.BreakDuration;
                return default;
            },
            ManualControl = _control,
            StateProvider = _polly,
        };
        _pipeline = _registry.GetOrAddPipeline("round", builder =>
        {
            builder.TimeProvider = time;
            builder.AddCircuitBreaker(options);
        });
    }

    public CircuitState State { get; private set; } = CircuitState.Healthy;

    public int ConsecutiveFailures { get; private set; }

    /// <summary>How long the circuit stays open this time (zero unless open).</summary>
    public TimeSpan OpenPeriod { get; private set; }

    /// <summary>
    /// Runs one round through the breaker. Throws <see cref="BrokenCircuitException"/> without
    /// running it while the circuit is open; rethrows the round's own failure after counting it.
    /// </summary>
    public async Task ExecuteAsync(Func<CancellationToken, Task> round, CancellationToken ct)
    {
        try
        {
            await _pipeline.ExecuteAsync(static async (round, token) => await round(token), round, ct);
        }
        catch (Exception ex) when (CountsAsFailure(ex))
        {
            ConsecutiveFailures++;
            State = _polly.CircuitState == PollyCircuitState.Open ? CircuitState.Open : CircuitState.Degraded;
            throw;
        }

        if (ConsecutiveFailures > 0 && _polly.CircuitState == PollyCircuitState.Closed)
        {
            // Failures short of the threshold, then a success: start counting from zero again.
            await _control.CloseAsync(ct);
        }

        ConsecutiveFailures = 0;
        OpenPeriod = TimeSpan.Zero;
        State = CircuitState.Healthy;
    }

    public void Dispose() => _registry.Dispose();

    /// <summary>What ends a round without counting against the log: cancellation, a lost lease, the open circuit itself.</summary>
    private static bool CountsAsFailure(Exception ex) =>
        ex is not (OperationCanceledException or LeaseLostException or BrokenCircuitException);
}
