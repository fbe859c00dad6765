namespace CertStream.Gateway.Access;

/// <summary>
/// The Redis side of the cluster-wide connection counts (<see cref="ClusterConnectionLimiter"/>),
/// each one Lua script so it runs atomically. KEYS[1] is <c>RedisNames.GatewayNodes</c> (node ids
/// scored by when their counts expire), KEYS[2] (KEYS[1] for <see cref="Release"/>) the node's own
/// hash (<c>total</c> and <c>ip:&lt;address&gt;</c>).
/// </summary>
internal static class ConnectionCountScripts
{
    /// <summary>
    /// Drops expired nodes, sums the live nodes' counts and increments this node's only if both
    /// limits allow, so two nodes cannot both take the last slot. Returns 0 (admitted), 1 (per-IP
    /// limit) or 2 (total limit). ARGV: now, expiry, ttl, node, field, max, per-IP limit, then the
    /// prefix and suffix of a node's key.
    /// </summary>
    public const string Admit = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
        local nodes = redis.call('ZRANGE', KEYS[1], 0, -1)
        local own = redis.call('HMGET', KEYS[2], 'total', ARGV[5])
        local total = tonumber(own[1]) or 0
        local perip = tonumber(own[2]) or 0
        for _, node in ipairs(nodes) do
          if node ~= ARGV[4] then
            local v = redis.call('HMGET', ARGV[8] .. node .. ARGV[9], 'total', ARGV[5])
            total = total + (tonumber(v[1]) or 0)
            perip = perip + (tonumber(v[2]) or 0)
          end
        end
        local perIpLimit = tonumber(ARGV[7])
        if perIpLimit > 0 and perip >= perIpLimit then return 1 end
        if total >= tonumber(ARGV[6]) then return 2 end
        redis.call('HINCRBY', KEYS[2], 'total', 1)
        redis.call('HINCRBY', KEYS[2], ARGV[5], 1)
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
        return 0
        """;

    /// <summary>Gives one place back (ARGV: the field); nothing when the hash has expired already.</summary>
    public const string Release = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        if redis.call('HINCRBY', KEYS[1], 'total', -1) <= 0 then redis.call('HDEL', KEYS[1], 'total') end
        if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
        return 1
        """;

    /// <summary>
    /// Pushes the node's expiry on and, when asked to (or when Redis lost the hash), rewrites the
    /// hash from the node's own counts. ARGV: node, expiry, ttl, rewrite ('1'/'0'), then
    /// field/value pairs of the node's counts.
    /// </summary>
    public const string Heartbeat = """
        if ARGV[4] == '1' or redis.call('EXISTS', KEYS[2]) == 0 then
          redis.call('DEL', KEYS[2])
          for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
        end
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
        return 0
        """;
}
