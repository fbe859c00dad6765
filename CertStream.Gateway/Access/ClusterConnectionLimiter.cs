using System.Net;
using CertStream.Contracts;
using CertStream.Gateway.Options;
using CertStream.Gateway.Telemetry;
using CertStream.ServiceDefaults.Configuration;
using StackExchange.Redis;

namespace CertStream.Gateway.Access;

/// <summary>
/// <c>connection_limit:</c> across every gateway node sharing the Redis: admission and release.
/// Each node keeps its counts in its own hash (<see cref="RedisNames.GatewayConnectionsKey"/>) and
/// is listed in <see cref="RedisNames.GatewayNodes"/> scored by when its counts expire; admission
/// is one script over all live nodes (<see cref="ConnectionCountScripts.Admit"/>). A
/// <see cref="ConnectionCountHeartbeat"/> keeps the node's counts alive and rewrites them when
/// Redis lost them, so a crashed node's connections stop counting within <c>node_ttl_secs</c>.
/// When Redis cannot be reached, the node admits on its own counts alone rather than refusing everyone.
/// </summary>
internal sealed class ClusterConnectionLimiter(
    IConnectionMultiplexer redis,
    ReloadableOptions<ConnectionLimitOptions> options,
    NodeConnectionCounts counts,
    TimeProvider time,
    ILogger<ClusterConnectionLimiter> logger)
{
    /// <summary>This node's id in Redis (unique per process start).</summary>
    public string NodeId => counts.NodeId;

    /// <summary>Connections this node holds a slot for.</summary>
    public int LocalCount => counts.Total;

    /// <summary>
    /// Takes a slot for a stream connection from <paramref name="client"/>, or says which limit
    /// refuses it. Dispose the slot when the connection ends.
    /// </summary>
    public async Task<(ConnectionSlot? Slot, ConnectionRefusal Refusal)> TryAdmitAsync(IPAddress client, CancellationToken cancellationToken)
    {
        var current = options.Current;
        if (!current.Enabled)
        {
            return (ConnectionSlot.Unlimited, ConnectionRefusal.None);
        }

        var field = "ip:" + client;
        var refusal = await AdmitInRedisAsync(field, current).WaitAsync(cancellationToken);
        if (refusal == ConnectionRefusal.None)
        {
            return (new ConnectionSlot(this, field), ConnectionRefusal.None);
        }

        return (null, refusal);
    }

    private async Task<ConnectionRefusal> AdmitInRedisAsync(string field, ConnectionLimitOptions current)
    {
        if (!redis.IsConnected)
        {
            // Disconnected, commands would queue until Redis is back or time out: a client would wait seconds for its answer.
            return AdmitLocally(field, current, null);
        }

        long heartbeatsBefore;
        int result;
        try
        {
            Task<RedisResult> admitted;
            lock (counts.Gate)
            {
                // Issued under the gate, so Redis runs it in the same order relative to heartbeats as the gate saw.
                heartbeatsBefore = counts.HeartbeatsIssued;
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                var ttl = (long)current.NodeTtl.TotalMilliseconds;
                admitted = redis.GetDatabase().ScriptEvaluateAsync(ConnectionCountScripts.Admit,
                    [RedisNames.GatewayNodes, counts.OwnKey],
                    [now, now + ttl, ttl, counts.NodeId, field, current.MaxConnections, current.PerIpLimit, RedisNames.GatewayConnectionsPrefix, RedisNames.GatewayConnectionsSuffix]);
            }

            result = (int)await admitted;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return AdmitLocally(field, current, ex);
        }

        if (result is 1 or 2)
        {
            return result == 1 ? ConnectionRefusal.PerIpLimit : ConnectionRefusal.MaxConnections;
        }

        lock (counts.Gate)
        {
            // Counted locally only once Redis has counted it: a heartbeat's rewrite never includes a
            // refused candidate. A heartbeat issued while this admission was in flight ran after it in
            // Redis and, if it rewrote the counts, left it out: the next heartbeat writes them again.
            counts.Count(field);
            if (counts.HeartbeatsIssued != heartbeatsBefore)
            {
                counts.Dirty = true;
            }
        }

        return ConnectionRefusal.None;
    }

    /// <summary>The offline fallback: the decision on this node's own counts, taking the place when they allow it.</summary>
    private ConnectionRefusal AdmitLocally(string field, ConnectionLimitOptions current, Exception? failure)
    {
        if (!counts.Dirty)
        {
            GatewayLog.ConnectionCountUnavailable(logger, failure); // once per outage, not per client
        }

        counts.Dirty = true;
        lock (counts.Gate)
        {
            var refusal = counts.Check(field, current);
            if (refusal == ConnectionRefusal.None)
            {
                counts.Count(field);
            }

            return refusal;
        }
    }

    internal async Task ReleaseAsync(string field)
    {
        try
        {
            Task released;
            lock (counts.Gate)
            {
                // Forgotten and released under the gate: a heartbeat's rewrite runs either before both or after both.
                counts.Forget(field);
                if (counts.Abandoned)
                {
                    return;
                }

                released = redis.GetDatabase().ScriptEvaluateAsync(ConnectionCountScripts.Release, [counts.OwnKey], [field]);
            }

            await released;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            counts.Dirty = true; // the next heartbeat writes the true counts
        }
    }

    /// <summary>For tests: behave as a crashed node would, writing nothing more to Redis (no heartbeat, release or cleanup).</summary>
    internal void Abandon() => counts.Abandoned = true;
}
