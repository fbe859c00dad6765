namespace CertStream.Ingestor.Status;

/// <summary>
/// The Lua script that writes a batch into the certificate store atomically (<see cref="CertificateStore"/>).
/// KEYS[1]: the index (<c>RedisNames.CertIndex</c>), a sorted set of <c>&lt;sha256&gt;:&lt;sha1&gt;</c> scored
/// by when it was stored (unix ms; a thousandth more than the newest when that is not older, so that the
/// order of the scores is the order of storing, and the oldest go first). ARGV: now (unix ms), max age (ms), max certificates, the message key prefix, the
/// SHA-1 pointer key prefix, then per certificate its SHA-256, SHA-1 (lower-case hex) and full message.
/// Each key gets the max age as TTL, so age needs no sweep; the index drops members older than the
/// max age and then the oldest beyond the size, deleting their keys. At most 1,000 are evicted per
/// call, so lowering the size does not block Redis on one long script (the rest go on later calls).
/// </summary>
internal static class CertStoreScript
{
    public const int FixedArgs = 5;

    public const string Store = """
        local now = tonumber(ARGV[1])
        local ttl = tonumber(ARGV[2])
        local max = tonumber(ARGV[3])
        local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        local score = now
        if newest[2] and tonumber(newest[2]) >= now then score = tonumber(newest[2]) + 0.001 end
        for i = 6, #ARGV, 3 do
          local sha256, sha1 = ARGV[i], ARGV[i + 1]
          redis.call('SET', ARGV[4] .. sha256, ARGV[i + 2], 'PX', ttl)
          redis.call('SET', ARGV[5] .. sha1, sha256, 'PX', ttl)
          redis.call('ZADD', KEYS[1], score, sha256 .. ':' .. sha1)
          score = score + 0.001
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - ttl))
        local excess = redis.call('ZCARD', KEYS[1]) - max
        if excess > 0 then
          local oldest = redis.call('ZRANGE', KEYS[1], 0, math.min(excess, 1000) - 1)
          for _, member in ipairs(oldest) do
            redis.call('DEL', ARGV[4] .. string.sub(member, 1, 64), ARGV[5] .. string.sub(member, 66))
          end
          redis.call('ZREM', KEYS[1], unpack(oldest))
        end
        redis.call('PEXPIRE', KEYS[1], ttl)
        return excess
        """;
}
