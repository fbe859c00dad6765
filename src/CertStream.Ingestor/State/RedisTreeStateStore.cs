using System.Globalization;
using CertStream.Contracts;
using StackExchange.Redis;

namespace CertStream.Ingestor.State;

/// <summary>
/// Tree state in Redis (one hash per log). A save is fenced by the log's lease: only the replica
/// that holds the lease can move the cursor, so a replica that lost its lease cannot rewind or
/// skip what the new holder does. Saves also mirror into the optional state file.
/// </summary>
public sealed class RedisTreeStateStore(IConnectionMultiplexer redis, StateFileMirror mirror, TimeProvider time)
{
    private const string FencedSave = """
        if redis.call('GET', KEYS[2]) == ARGV[1] then
          redis.call('HSET', KEYS[1], 'next_index', ARGV[2], 'tree_size', ARGV[3], 'updated_at', ARGV[4])
          return 1
        end
        return 0
        """;

    public async Task<TreeState?> LoadAsync(string logKey)
    {
        var values = await redis.GetDatabase().HashGetAsync(RedisNames.LogStateKey(logKey),
            [RedisNames.StateNextIndex, RedisNames.StateTreeSize]);
        if (RedisNumber.TryGetInt64(values[0], out var next) && next >= 0)
        {
            var size = RedisNumber.TryGetInt64(values[1], out var s) ? s : next;
            return new TreeState(next, Math.Max(size, next));
        }

        // Single-node users may bring only the state file (e.g. after wiping Redis).
        return mirror.TryGet(logKey);
    }

    /// <summary>Saves the cursor if <paramref name="owner"/> still holds the log's lease; false otherwise.</summary>
    public async Task<bool> SaveAsync(string logKey, string owner, TreeState state)
    {
        var now = time.GetUtcNow();
        var saved = (long)await redis.GetDatabase().ScriptEvaluateAsync(FencedSave,
            [RedisNames.LogStateKey(logKey), RedisNames.LogLeaseKey(logKey)],
            [owner, state.NextIndex, state.TreeSize, now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)]) == 1;
        if (saved)
        {
            mirror.Set(logKey, state, now);
        }

        return saved;
    }
}
