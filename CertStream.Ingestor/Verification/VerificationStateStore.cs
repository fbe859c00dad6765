using System.Globalization;
using CertStream.Contracts;
using CertStream.Ingestor.State;
using StackExchange.Redis;

namespace CertStream.Ingestor.Verification;

/// <summary>A log's verification state as Redis keeps it: the last verified tree head, and the first failure if any.</summary>
public sealed record VerificationState(long Size, byte[]? Root, string? FailedCheck, string? FailedDetail, DateTimeOffset? FailedAt);

/// <summary>
/// Each log's verification state in Redis (<see cref="RedisNames.LogVerificationKey"/>), beside its cursor, so that the replica
/// that takes a log over (failover, restart, rebalancing) checks the next tree head against the last one verified and does
/// not accept a forked history as its new start. The head only moves forward (a script compares sizes: a replica that
/// lost the log's lease and writes late cannot move it back), and the first failure recorded stays.
/// </summary>
public sealed class VerificationStateStore(IConnectionMultiplexer redis, TimeProvider time)
{
    private const string SizeField = "size";
    private const string RootField = "root";
    private const string FailedCheckField = "failed_check";
    private const string FailedDetailField = "failed_detail";
    private const string FailedAtField = "failed_at";

    // KEYS: state hash. ARGV: size, root (base64), verified_at (unix ms). 1 when written.
    private const string SaveHead = """
        local stored = tonumber(redis.call('HGET', KEYS[1], 'size'))
        if stored and stored >= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 'size', ARGV[1], 'root', ARGV[2], 'verified_at', ARGV[3])
        return 1
        """;

    public async Task<VerificationState?> LoadAsync(string logKey)
    {
        var values = await redis.GetDatabase().HashGetAsync(RedisNames.LogVerificationKey(logKey),
            [SizeField, RootField, FailedCheckField, FailedDetailField, FailedAtField]);
        var hasHead = RedisNumber.TryGetInt64(values[0], out var size) && size > 0 && !values[1].IsNullOrEmpty;
        var failed = !values[2].IsNullOrEmpty;
        if (!hasHead && !failed)
        {
            return null;
        }

        byte[]? root = null;
        if (hasHead)
        {
            root = new byte[MerkleTree.HashLength];
            if (!Convert.TryFromBase64String(values[1].ToString(), root, out var written) || written != MerkleTree.HashLength)
            {
                root = null; // unreadable: start over from the next tree head rather than fail every round
            }
        }

        DateTimeOffset? failedAt = RedisNumber.TryGetInt64(values[4], out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        return new VerificationState(root is null ? 0 : size, root, failed ? values[2].ToString() : null,
            failed ? values[3].ToString() : null, failedAt);
    }

    /// <summary>Stores a verified tree head if it is larger than the stored one.</summary>
    public async Task SaveHeadAsync(string logKey, long size, byte[] root) =>
        await redis.GetDatabase().ScriptEvaluateAsync(SaveHead, [RedisNames.LogVerificationKey(logKey)],
            [size, Convert.ToBase64String(root), time.GetUtcNow().ToUnixTimeMilliseconds()]);

    /// <summary>Records the log's failure unless one is recorded already (the first one is what an operator needs).</summary>
    public async Task SaveFailureAsync(string logKey, string check, string detail, DateTimeOffset at)
    {
        var key = RedisNames.LogVerificationKey(logKey);
        var db = redis.GetDatabase();
        if (await db.HashSetAsync(key, FailedCheckField, check, When.NotExists))
        {
            await db.HashSetAsync(key, [new HashEntry(FailedDetailField, detail),
                new HashEntry(FailedAtField, at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture))]);
        }
    }
}
