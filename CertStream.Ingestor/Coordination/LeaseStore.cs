using CertStream.Contracts;
using StackExchange.Redis;

namespace CertStream.Ingestor.Coordination;

/// <summary>What a lease renewal found.</summary>
public enum LeaseRenewal
{
    /// <summary>Another replica holds the lease.</summary>
    Lost = 0,

    Renewed = 1,

    /// <summary>Nobody held it (Redis restarted empty or was flushed): taken back by this replica.</summary>
    Retaken = 2,
}

/// <summary>
/// The Redis side of log sharing: per-log leases (SET NX PX, renewed and released only by their
/// holder) and the set of live replicas (a sorted set scored by last heartbeat).
/// </summary>
public sealed class LeaseStore(IConnectionMultiplexer redis)
{
    // A lease that nobody holds is taken back rather than reported lost: after Redis restarted
    // empty, "lost" made the only replica throw away the cursor it held and start over.
    private const string RenewScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        if not holder then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 2
        end
        return 0
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    private IDatabase Db => redis.GetDatabase();

    public Task<bool> TryAcquireAsync(string logKey, string owner, TimeSpan ttl) =>
        Db.StringSetAsync(RedisNames.LogLeaseKey(logKey), owner, ttl, When.NotExists);

    public async Task<LeaseRenewal> RenewAsync(string logKey, string owner, TimeSpan ttl) =>
        (LeaseRenewal)(int)await Db.ScriptEvaluateAsync(RenewScript, [RedisNames.LogLeaseKey(logKey)], [owner, (long)ttl.TotalMilliseconds]);

    public async Task ReleaseAsync(string logKey, string owner) =>
        await Db.ScriptEvaluateAsync(ReleaseScript, [RedisNames.LogLeaseKey(logKey)], [owner]);

    /// <summary>Records this replica's heartbeat, drops replicas silent for longer than <paramref name="memberTtl"/>, and returns the live ones in a stable order.</summary>
    public async Task<string[]> HeartbeatAsync(string owner, DateTimeOffset now, TimeSpan memberTtl)
    {
        var db = Db;
        var nowMs = now.ToUnixTimeMilliseconds();
        await db.SortedSetAddAsync(RedisNames.IngestorMembers, owner, nowMs);
        await db.SortedSetRemoveRangeByScoreAsync(RedisNames.IngestorMembers, double.NegativeInfinity, nowMs - memberTtl.TotalMilliseconds);
        var members = await db.SortedSetRangeByRankAsync(RedisNames.IngestorMembers);
        var ids = new string[members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            ids[i] = members[i]!;
        }

        Array.Sort(ids, StringComparer.Ordinal);
        return ids;
    }

    public Task LeaveAsync(string owner) => Db.SortedSetRemoveAsync(RedisNames.IngestorMembers, owner);
}
