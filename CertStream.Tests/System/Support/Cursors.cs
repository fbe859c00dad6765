using CertStream.Contracts;
using CertStream.Tests.Infrastructure;
using StackExchange.Redis;

namespace CertStream.Tests.SystemTests.Support;

/// <summary>The log cursors ingestors keep in Redis.</summary>
public static class Cursors
{
    /// <summary>The ingestors' key of a log: its URL without scheme and trailing '/'.</summary>
    public static string LogKey(SimLogInfo log) => new Uri(log.Url).Authority + new Uri(log.Url).AbsolutePath.TrimEnd('/');

    /// <summary>
    /// Waits until every log has a cursor in Redis: from then on an ingestor follows it, and entries the
    /// log appends are published (before, a start at the tip may begin after them). Polled: Redis state
    /// has no push signal here.
    /// </summary>
    public static async Task WaitForAsync(RedisTestServer redis, IEnumerable<SimLogInfo> logs, TimeSpan timeout)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = mux.GetDatabase();
        var deadline = DateTime.UtcNow + timeout;
        foreach (var log in logs)
        {
            while (!(await db.HashGetAsync(RedisNames.LogStateKey(LogKey(log)), RedisNames.StateNextIndex)).HasValue)
            {
                Assert.True(DateTime.UtcNow < deadline, $"no cursor for {LogKey(log)} in Redis within {timeout.TotalSeconds:0} s");
                await Task.Delay(100, CertStreamSystem.Ct);
            }
        }
    }
}
