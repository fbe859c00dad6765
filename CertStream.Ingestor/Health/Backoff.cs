namespace CertStream.Ingestor.Health;

/// <summary>Exponential backoff with full jitter: attempt 1 waits up to base, each next doubles, capped.</summary>
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
