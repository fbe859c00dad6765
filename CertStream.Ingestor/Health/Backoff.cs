namespace CertStream.Ingestor.Health;

/// <summary>
/// Exponential backoff with jitter: attempt 1 waits half to all of base, each next doubles, capped.
/// Polly's retries compute their own delays; this one serves what Polly takes as a plain
/// TimeSpan (the circuit breaker's BreakDurationGenerator), the publisher's retry loop and the
/// durable feed's retries.
/// </summary>
public static class Backoff
{
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan max)
    {
        var exponent = Math.Min(attempt - 1, 20);
        var ceiling = Math.Min(max.TotalMilliseconds, baseDelay.TotalMilliseconds * (1L << exponent));
        // Half fixed, half random: spreads retries of many workers without ever waiting ~0.
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }
}
