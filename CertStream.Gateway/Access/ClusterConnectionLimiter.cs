using System.Net;
using CertStream.Contracts;
using CertStream.Gateway.Options;
using CertStream.Gateway.Telemetry;
using CertStream.ServiceDefaults.Configuration;
using StackExchange.Redis;

namespace CertStream.Gateway.Access;

/// <summary>
/// <c>connection_limit:</c> across every gateway node sharing the Redis. Each node keeps its
/// counts in its own hash (<see cref="RedisNames.GatewayConnectionsKey"/>: <c>total</c> and
/// <c>ip:&lt;address&gt;</c>) and is listed in <see cref="RedisNames.GatewayNodes"/> scored by when
/// its counts expire. Admission is one Lua script: it drops expired nodes, sums the live nodes'
/// counts and increments this node's only if both limits allow, so two nodes cannot both take the
/// last slot. A heartbeat every third of <c>node_ttl_secs</c> pushes the expiry on (and rewrites
/// the hash from this node's own counts if Redis lost it or a write failed), so a crashed node's
/// connections stop counting within <c>node_ttl_secs</c> (default 15 s). When Redis cannot be
/// reached, the node admits on its own counts alone rather than refusing everyone.
/// </summary>
internal sealed class ClusterConnectionLimiter : IHostedService, IDisposable
{
    private const string AdmitScript = """
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

    private const string ReleaseScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        if redis.call('HINCRBY', KEYS[1], 'total', -1) <= 0 then redis.call('HDEL', KEYS[1], 'total') end
        if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
        return 1
        """;

    // ARGV: node, expiry, ttl, rewrite, then field/value pairs of this node's counts.
    private const string HeartbeatScript = """
        if ARGV[4] == '1' or redis.call('EXISTS', KEYS[2]) == 0 then
          redis.call('DEL', KEYS[2])
          for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
        end
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
        return 0
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly ReloadableOptions<ConnectionLimitOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterConnectionLimiter> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _perIp = new(StringComparer.Ordinal);
    private readonly RedisKey _ownKey;
    private int _total;
    private long _heartbeatsIssued;
    private volatile bool _dirty;
    private volatile bool _abandoned;
    private ITimer? _heartbeat;

    public ClusterConnectionLimiter(IConnectionMultiplexer redis, ReloadableOptions<ConnectionLimitOptions> options, TimeProvider time, ILogger<ClusterConnectionLimiter> logger)
    {
        _redis = redis;
        _options = options;
        _time = time;
        _logger = logger;
        NodeId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
        _ownKey = RedisNames.GatewayConnectionsKey(NodeId);
    }

    /// <summary>This node's id in Redis (unique per process start).</summary>
    public string NodeId { get; }

    /// <summary>Connections this node holds a slot for.</summary>
    public int LocalCount
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    /// <summary>
    /// Takes a slot for a stream connection from <paramref name="client"/>, or says which limit
    /// refuses it. Dispose the slot when the connection ends.
    /// </summary>
    public async Task<(ConnectionSlot? Slot, ConnectionRefusal Refusal)> TryAdmitAsync(IPAddress client, CancellationToken cancellationToken)
    {
        var options = _options.Current;
        if (!options.Enabled)
        {
            return (ConnectionSlot.Unlimited, ConnectionRefusal.None);
        }

        var field = "ip:" + client;
        var refusal = await AdmitInRedisAsync(field, options).WaitAsync(cancellationToken);
        if (refusal == ConnectionRefusal.None)
        {
            return (new ConnectionSlot(this, field), ConnectionRefusal.None);
        }

        return (null, refusal);
    }

    private async Task<ConnectionRefusal> AdmitInRedisAsync(string field, ConnectionLimitOptions options)
    {
        if (!_redis.IsConnected)
        {
            // Disconnected, commands would queue until Redis is back or time out: a client would wait seconds for its answer.
            return AdmitLocally(field, options, null);
        }

        long heartbeatsBefore;
        int result;
        try
        {
            Task<RedisResult> admitted;
            lock (_gate)
            {
                // Issued under the gate, so Redis runs it in the same order relative to heartbeats as the gate saw.
                heartbeatsBefore = _heartbeatsIssued;
                var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                var ttl = (long)options.NodeTtl.TotalMilliseconds;
                admitted = _redis.GetDatabase().ScriptEvaluateAsync(AdmitScript,
                    [RedisNames.GatewayNodes, _ownKey],
                    [now, now + ttl, ttl, NodeId, field, options.MaxConnections, options.PerIpLimit, RedisNames.GatewayConnectionsPrefix, RedisNames.GatewayConnectionsSuffix]);
            }

            result = (int)await admitted;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return AdmitLocally(field, options, ex);
        }

        if (result is 1 or 2)
        {
            return result == 1 ? ConnectionRefusal.PerIpLimit : ConnectionRefusal.MaxConnections;
        }

        lock (_gate)
        {
            // Counted locally only once Redis has counted it: a heartbeat's rewrite never includes a
            // refused candidate. A heartbeat issued while this admission was in flight ran after it in
            // Redis and, if it rewrote the counts, left it out: the next heartbeat writes them again.
            Count(field);
            if (_heartbeatsIssued != heartbeatsBefore)
            {
                _dirty = true;
            }
        }

        return ConnectionRefusal.None;
    }

    /// <summary>The decision on this node's own counts, taking the place when they allow it.</summary>
    private ConnectionRefusal AdmitLocally(string field, ConnectionLimitOptions options, Exception? failure)
    {
        if (!_dirty)
        {
            GatewayLog.LogWarningConnectionCountUnavailable(_logger, failure); // once per outage, not per client
        }

        _dirty = true;
        lock (_gate)
        {
            var refusal = options.PerIpLimit > 0 && _perIp.GetValueOrDefault(field) + 1 > options.PerIpLimit ? ConnectionRefusal.PerIpLimit
                : _total + 1 > options.MaxConnections ? ConnectionRefusal.MaxConnections
                : ConnectionRefusal.None;
            if (refusal == ConnectionRefusal.None)
            {
                Count(field);
            }

            return refusal;
        }
    }

    internal async Task ReleaseAsync(string field)
    {
        try
        {
            Task released;
            lock (_gate)
            {
                // Forgotten and released under the gate: a heartbeat's rewrite runs either before both or after both.
                Forget(field);
                if (_abandoned)
                {
                    return;
                }

                released = _redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [_ownKey], [field]);
            }

            await released;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _dirty = true; // the next heartbeat writes the true counts
        }
    }

    private void Count(string field)
    {
        _total++;
        _perIp[field] = _perIp.GetValueOrDefault(field) + 1;
    }

    private void Forget(string field)
    {
        _total--;
        if (_perIp.TryGetValue(field, out var count) && count > 1)
        {
            _perIp[field] = count - 1;
        }
        else
        {
            _perIp.Remove(field);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var period = _options.Current.NodeTtl / 3;
        _heartbeat = _time.CreateTimer(static state => _ = ((ClusterConnectionLimiter)state!).HeartbeatAsync(), this, period, period);
        return Task.CompletedTask;
    }

    internal async Task HeartbeatAsync()
    {
        var options = _options.Current;
        if (!options.Enabled || _abandoned)
        {
            return;
        }

        try
        {
            Task beat;
            lock (_gate)
            {
                // The snapshot and the command under the gate: admissions and releases reach Redis in
                // the same order relative to this rewrite as they changed the counts it writes.
                _heartbeatsIssued++;
                var rewrite = _dirty;
                _dirty = false;
                var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                var ttl = (long)options.NodeTtl.TotalMilliseconds;
                var args = new List<RedisValue> { NodeId, now + ttl, ttl, rewrite ? "1" : "0" };
                if (_total > 0)
                {
                    args.Add("total");
                    args.Add(_total);
                }

                foreach (var (field, count) in _perIp)
                {
                    args.Add(field);
                    args.Add(count);
                }

                beat = _redis.GetDatabase().ScriptEvaluateAsync(HeartbeatScript, [RedisNames.GatewayNodes, _ownKey], [.. args]);
            }

            await beat;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _dirty = true;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _heartbeat?.Dispose();
        if (_abandoned || !_options.Current.Enabled)
        {
            return;
        }

        // A clean stop takes the node's counts out at once instead of waiting for them to expire.
        try
        {
            var db = _redis.GetDatabase();
            await Task.WhenAll(db.SortedSetRemoveAsync(RedisNames.GatewayNodes, NodeId), db.KeyDeleteAsync(_ownKey)).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
        {
        }

        _abandoned = true;
    }

    /// <summary>For tests: behave as a crashed node would, writing nothing more to Redis (no heartbeat, release or cleanup).</summary>
    internal void Abandon()
    {
        _abandoned = true;
        _heartbeat?.Dispose();
    }

    public void Dispose() => _heartbeat?.Dispose();
}

/// <summary>A stream connection's place in the cluster-wide counts; disposing it gives the place back.</summary>
internal sealed class ConnectionSlot : IAsyncDisposable
{
    public static readonly ConnectionSlot Unlimited = new(null, "");

    private readonly ClusterConnectionLimiter? _limiter;
    private readonly string _field;
    private int _released;

    internal ConnectionSlot(ClusterConnectionLimiter? limiter, string field)
    {
        _limiter = limiter;
        _field = field;
    }

    public async ValueTask DisposeAsync()
    {
        if (_limiter is not null && Interlocked.Exchange(ref _released, 1) == 0)
        {
            await _limiter.ReleaseAsync(_field);
        }
    }
}
