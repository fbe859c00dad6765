namespace CertStream.Ingestor.Feed;

/// <summary>Exponential delay for the feed's retries: base × 2^(attempt-1), at most max.</summary>
internal static class FeedBackoff
{
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan max)
    {
        var factor = Math.Pow(2, Math.Clamp(attempt - 1, 0, 20));
        return TimeSpan.FromMilliseconds(Math.Min(max.TotalMilliseconds, baseDelay.TotalMilliseconds * factor));
    }
}
