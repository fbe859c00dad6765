using CertStream.Contracts;
using CertStream.Gateway.Options;
using CertStream.ServiceDefaults.Configuration;
using StackExchange.Redis;

namespace CertStream.Gateway.Access;

/// <summary>
/// Keeps this node's connection counts alive in Redis: every third of <c>node_ttl_secs</c> it
/// pushes their expiry on and, when they may be wrong there (a failed write, Redis restarted empty,
/// an admission that raced a rewrite), writes them again from <see cref="NodeConnectionCounts"/>
/// (<see cref="ConnectionCountScripts.Heartbeat"/>). A clean stop takes the node's counts out at
/// once instead of leaving them to expire.
/// </summary>
internal sealed class ConnectionCountHeartbeat(
    IConnectionMultiplexer redis,
    ReloadableOptions<ConnectionLimitOptions> options,
    NodeConnectionCounts counts,
    TimeProvider time) : IHostedService, IDisposable
{
    private static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(2);

    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var period = options.Current.NodeTtl / 3;
        _timer = time.CreateTimer(static state => _ = ((ConnectionCountHeartbeat)state!).BeatAsync(), this, period, period);
        return Task.CompletedTask;
    }

    internal async Task BeatAsync()
    {
        var current = options.Current;
        if (!current.Enabled || counts.Abandoned)
        {
            return;
        }

        try
        {
            Task beat;
            lock (counts.Gate)
            {
                // The snapshot and the command under the gate: admissions and releases reach Redis in
                // the same order relative to this rewrite as they changed the counts it writes.
                counts.HeartbeatsIssued++;
                var rewrite = counts.Dirty;
                counts.Dirty = false;
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                var ttl = (long)current.NodeTtl.TotalMilliseconds;
                var args = new List<RedisValue> { counts.NodeId, now + ttl, ttl, rewrite ? "1" : "0" };
                foreach (var (field, count) in counts.Fields())
                {
                    args.Add(field);
                    args.Add(count);
                }

                beat = redis.GetDatabase().ScriptEvaluateAsync(ConnectionCountScripts.Heartbeat, [RedisNames.GatewayNodes, counts.OwnKey], [.. args]);
            }

            await beat;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            counts.Dirty = true;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        if (counts.Abandoned || !options.Current.Enabled)
        {
            return;
        }

        try
        {
            // Bounded on its own, not by the host's token: that one is often spent by now (the server
            // waited out the shutdown timeout for connections to drain) and the node would be left to expire.
            var db = redis.GetDatabase();
            await Task.WhenAll(db.SortedSetRemoveAsync(RedisNames.GatewayNodes, counts.NodeId), db.KeyDeleteAsync(counts.OwnKey)).WaitAsync(LeaveTimeout, time);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
        }

        counts.Abandoned = true;
    }

    public void Dispose() => _timer?.Dispose();
}
