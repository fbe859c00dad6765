using CertStream.Contracts;
using CertStream.Ingestor.State;
using StackExchange.Redis;

namespace CertStream.Ingestor.Feed;

/// <summary>
/// The feed cursor of each log in Redis, beside its live cursor: every entry below it was confirmed
/// by RabbitMQ (or could not be decoded). It only moves forward, whichever replica writes it, so a
/// replica that lost the log late cannot move it back.
/// </summary>
public sealed class FeedCursorStore(IConnectionMultiplexer redis)
{
    // Moves the cursor only forward: two replicas may briefly both confirm entries of one log (a
    // lease hand-over), and the lower value must not win.
    private static readonly LuaScript SaveScript = LuaScript.Prepare(
        "local cur = redis.call('GET', @key) " +
        "if (not cur) or tonumber(cur) < tonumber(@next) then redis.call('SET', @key, @next) return 1 end " +
        "return 0");

    public async Task<long?> LoadAsync(string logKey)
    {
        var value = await redis.GetDatabase().StringGetAsync(RedisNames.FeedCursorKey(logKey));
        // Through RedisNumber: a missing key must not read as 0, which would replay the log from its first entry.
        return RedisNumber.TryGetInt64(value, out var next) ? next : null;
    }

    /// <summary>Sets the cursor if the log has none: where the feed of a log starts.</summary>
    public Task InitializeAsync(string logKey, long next) =>
        redis.GetDatabase().StringSetAsync(RedisNames.FeedCursorKey(logKey), next, when: When.NotExists);

    public Task SaveAsync(string logKey, long next) =>
        redis.GetDatabase().ScriptEvaluateAsync(SaveScript, new { key = (RedisKey)RedisNames.FeedCursorKey(logKey), next });
}
