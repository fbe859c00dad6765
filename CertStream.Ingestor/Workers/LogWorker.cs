using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Http;
using CertStream.Ingestor.Feed;
using CertStream.Ingestor.Following;
using CertStream.Ingestor.Health;
using CertStream.Ingestor.Options;
using CertStream.Ingestor.Publishing;
using CertStream.Ingestor.State;
using CertStream.Ingestor.Telemetry;
using Microsoft.Extensions.Options;
using BrokenCircuitException = Polly.CircuitBreaker.BrokenCircuitException;
using StackExchange.Redis;

namespace CertStream.Ingestor.Workers;

/// <summary>
/// Follows one leased log until cancelled: rounds of the log's follower, the poll interval between
/// them, and the circuit breaker's pause when the log keeps failing. Nothing that goes wrong with
/// the log ends the loop; only cancellation, a lost lease or a completed readonly log do.
/// </summary>
public sealed class LogWorker(
    Rfc6962Follower rfc6962,
    StaticCtFollower staticCt,
    RedisTreeStateStore store,
    EntryPublisher publisher,
    IngestorMetrics metrics,
    IOptions<CtLogOptions> options,
    TimeProvider time,
    ILogger<LogWorker> logger,
    IFeedTap? feed = null)
{
    public async Task RunAsync(CtLogInfo log, string owner, CancellationToken ct)
    {
        var o = options.Value;
        var status = metrics.Track(log.Key);
        using var breaker = new LogCircuitBreaker(o.UnhealthyThreshold, TimeSpan.FromSeconds(o.CircuitOpenSecs), time);
        var session = new LogSession(log, owner, status, RequestRetry.Create(log.Key, o.RetryMaxAttempts, time, logger), store,
            TimeSpan.FromMilliseconds(o.LeaseTtlMs), publisher.NoteRedisFailure, time, logger);
        ILogFollower follower = log.Kind == CtLogKind.Tiled ? staticCt : rfc6962;
        var poll = TimeSpan.FromMilliseconds(o.PollIntervalMs);
        try
        {
            session.Restore(await store.LoadAsync(log.Key));
            if (feed is not null)
            {
                await feed.AttachAsync(log, session.HasCursor ? session.NextIndex : null, ct);
            }

            IngestorLog.FollowStarted(logger, log.Key, log.TypeName, session.HasCursor ? session.NextIndex : -1);
            while (!ct.IsCancellationRequested)
            {
                var previous = breaker.State;
                try
                {
                    await breaker.ExecuteAsync(token => follower.RoundAsync(session, token), ct);
                    await session.WriteBackIfMissingAsync(ct);
                }
                catch (BrokenCircuitException ex)
                {
                    // Open: no round until the trial is due.
                    await Task.Delay(ex.RetryAfter is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, ct);
                    continue;
                }
                catch (Exception ex) when (ex is CtHttpException or CtDecodeException or RedisException or TimeoutException)
                {
                    IngestorLog.RoundFailed(logger, log.Key, breaker.ConsecutiveFailures, ex.Message);
                }
                catch (Exception ex) when (ex is not (OperationCanceledException or LeaseLostException))
                {
                    IngestorLog.WorkerCrashed(logger, log.Key, ex);
                }

                status.Circuit = breaker.State;
                if (previous != breaker.State)
                {
                    IngestorLog.CircuitChanged(logger, log.Key, previous, breaker.State);
                    feed?.HealthChanged(log, previous, breaker.State);
                }

                if (breaker.State == CircuitState.Open)
                {
                    IngestorLog.CircuitOpened(logger, log.Key, breaker.OpenPeriod.TotalSeconds);
                }

                if (session.IsComplete)
                {
                    IngestorLog.ReadonlyLogCompleted(logger, log.Key, session.NextIndex);
                    return;
                }

                await Task.Delay(poll, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (LeaseLostException ex) when (ex.CursorAhead)
        {
            IngestorLog.CursorFoundAhead(logger, log.Key);
        }
        catch (LeaseLostException)
        {
            IngestorLog.LeaseLost(logger, log.Key);
        }
        finally
        {
            metrics.Untrack(log.Key);
            feed?.Detach(log);
        }
    }
}
