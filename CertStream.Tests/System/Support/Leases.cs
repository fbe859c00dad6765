using CertStream.Contracts;
using StackExchange.Redis;

namespace CertStream.Tests.SystemTests.Support;

/// <summary>Who holds which log's lease, read from Redis (the lease value is the holder's id: machine-pid-random).</summary>
public static class Leases
{
    /// <summary>Lease key → PID of the holder.</summary>
    public static Dictionary<string, int> Holders(ConnectionMultiplexer mux)
    {
        var server = mux.GetServers().Single();
        var db = mux.GetDatabase();
        var result = new Dictionary<string, int>();
        foreach (var key in server.Keys(pattern: RedisNames.Prefix + "log:*:lease"))
        {
            var value = db.StringGet(key);
            if (!value.IsNullOrEmpty && ((string)value!).Split('-') is { Length: >= 3 } parts && int.TryParse(parts[^2], out var pid))
            {
                result[key!] = pid;
            }
        }

        return result;
    }
}
