using System.Globalization;
using CertStream.Contracts;
using StackExchange.Redis;

namespace CertStream.Ingestor.State;

/// <summary>What a cursor save did.</summary>
public enum CursorSaveOutcome
{
    /// <summary>Another replica holds the log's lease: nothing was written.</summary>
    HeldByOther = 0,

    /// <summary>Written over the previous cursor.</summary>
    Saved = 1,

    /// <summary>Redis holds a cursor ahead of this one (another replica moved it): nothing was written.</summary>
    StoredAhead = 2,

    /// <summary>Only-if-missing save: Redis has the cursor already.</summary>
    Unchanged = 3,

    /// <summary>Written where Redis had no cursor (a new log, or Redis lost it).</summary>
    Restored = 4,
}

/// <summary>A cursor save's outcome, and whether the lease had to be taken back because Redis had lost it.</summary>
public readonly record struct CursorSaveResult(CursorSaveOutcome Outcome, bool LeaseRetaken)
{
    public bool Written => Outcome is CursorSaveOutcome.Saved or CursorSaveOutcome.Restored;
}

/// <summary>
/// Tree state in Redis (one hash per log). A save is fenced by the log's lease: only the replica
/// that holds the lease can move the cursor, so a replica that lost its lease cannot rewind or
/// skip what the new holder does. A lease that nobody holds (Redis restarted empty or was
/// flushed) is taken back by the replica that still follows the log, which then writes the
/// cursor it knows back instead of throwing it away. A save never moves the stored cursor
/// backwards. Saves also mirror into the optional state file.
/// </summary>
public sealed class RedisTreeStateStore(IConnectionMultiplexer redis, StateFileMirror mirror, TimeProvider time)
{
    // KEYS: state hash, lease. ARGV: owner, next_index, tree_size, updated_at, lease ttl ms, only-if-missing.
    // Returns a CursorSaveOutcome, plus 16 when the lease was missing and taken back.
    private const string FencedSave = """
        local retaken = 0
        local holder = redis.call('GET', KEYS[2])
        if not holder then
          redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[5])
          retaken = 16
        elseif holder ~= ARGV[1] then
          return 0
        end
        local stored = tonumber(redis.call('HGET', KEYS[1], 'next_index'))
        if stored and stored > tonumber(ARGV[2]) then return 2 + retaken end
        if stored and ARGV[6] == '1' then return 3 + retaken end
        redis.call('HSET', KEYS[1], 'next_index', ARGV[2], 'tree_size', ARGV[3], 'updated_at', ARGV[4])
        if stored then return 1 + retaken end
        return 4 + retaken
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

    /// <summary>
    /// Saves the cursor if <paramref name="owner"/> holds the log's lease (or nobody does: then it
    /// takes the lease for <paramref name="leaseTtl"/>). <paramref name="onlyIfMissing"/> writes only
    /// where Redis has no cursor: the write-back after Redis lost its data.
    /// </summary>
    public async Task<CursorSaveResult> SaveAsync(string logKey, string owner, TreeState state, TimeSpan leaseTtl, bool onlyIfMissing = false)
    {
        var now = time.GetUtcNow();
        var code = (int)await redis.GetDatabase().ScriptEvaluateAsync(FencedSave,
            [RedisNames.LogStateKey(logKey), RedisNames.LogLeaseKey(logKey)],
            [owner, state.NextIndex, state.TreeSize, now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                (long)leaseTtl.TotalMilliseconds, onlyIfMissing ? "1" : "0"]);
        var result = new CursorSaveResult((CursorSaveOutcome)(code & 15), (code & 16) != 0);
        if (result.Written)
        {
            mirror.Set(logKey, state, now);
        }

        return result;
    }
}
