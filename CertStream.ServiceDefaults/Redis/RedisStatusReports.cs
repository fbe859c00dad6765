using StackExchange.Redis;

namespace CertStream.ServiceDefaults.Redis;

/// <summary>
/// The one way a process publishes its status for the others (ingestor replicas for <c>/api/logs</c>,
/// gateway nodes for <c>/api/stats</c>): its report as a string with a TTL, and its id in a sorted set
/// scored by when the report expires, from which members whose reports expired (a process that died
/// without leaving) are removed on each write. Readers take the set, then the reports.
/// </summary>
public static class RedisStatusReports
{
    /// <summary>
    /// Writes <paramref name="report"/> for <paramref name="member"/> in one batch. Throws what Redis throws;
    /// no timeout of its own: SE.Redis fails a command after its async timeout, and a timer on the
    /// TimeProvider would fire whenever a test's fake clock jumps.
    /// </summary>
    public static async Task WriteAsync(IDatabase db, RedisKey reportKey, RedisKey set, string member, byte[] report, TimeSpan ttl, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var batch = db.CreateBatch();
        var writes = new Task[]
        {
            batch.StringSetAsync(reportKey, report, ttl),
            batch.SortedSetAddAsync(set, member, nowMs + (long)ttl.TotalMilliseconds),
            batch.SortedSetRemoveRangeByScoreAsync(set, double.NegativeInfinity, nowMs, Exclude.Stop),
        };
        batch.Execute();
        await Task.WhenAll(writes);
    }

    /// <summary>Removes <paramref name="member"/>'s report at once (a clean stop); the TTL does it otherwise.</summary>
    public static Task RemoveAsync(IDatabase db, RedisKey reportKey, RedisKey set, string member) =>
        Task.WhenAll(db.KeyDeleteAsync(reportKey), db.SortedSetRemoveAsync(set, member));
}
