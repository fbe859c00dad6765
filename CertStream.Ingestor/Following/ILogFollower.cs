namespace CertStream.Ingestor.Following;

/// <summary>
/// One round of following a log: read its head, then fetch, publish and advance the cursor until
/// caught up. Errors propagate: the worker counts them against the log's circuit breaker.
/// </summary>
public interface ILogFollower
{
    Task RoundAsync(LogSession session, CancellationToken ct);
}
