using StackExchange.Redis;

namespace CertStream.Ingestor.State;

/// <summary>Numbers read back from Redis.</summary>
internal static class RedisNumber
{
    /// <summary>
    /// The value as a long, or false when it is missing or not a number. Every Redis read goes
    /// through here because StackExchange.Redis's <c>RedisValue.TryParse(out long)</c> answers true
    /// and 0 for a missing value: a log with no cursor then started at index 0 instead of its tip.
    /// </summary>
    public static bool TryGetInt64(RedisValue value, out long result)
    {
        result = 0;
        return !value.IsNullOrEmpty && value.TryParse(out result);
    }
}
