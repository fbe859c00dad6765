using CertStream.Contracts;
using CertStream.Gateway.Options;
using StackExchange.Redis;

namespace CertStream.Gateway.Access;

/// <summary>
/// This node's own connection counts (<c>total</c> and per <c>ip:&lt;address&gt;</c> field) and how
/// they stand with the copy in Redis. Admissions, releases and heartbeats change the counts and
/// issue their Redis command under <see cref="Gate"/>, so Redis runs them in the order the counts
/// changed; the members below that say so must be used under it.
/// </summary>
internal sealed class NodeConnectionCounts
{
    private readonly Dictionary<string, int> _perIp = new(StringComparer.Ordinal);
    private int _total;
    private volatile bool _dirty;
    private volatile bool _abandoned;

    public NodeConnectionCounts()
    {
        NodeId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
        OwnKey = RedisNames.GatewayConnectionsKey(NodeId);
    }

    /// <summary>This node's id in Redis (unique per process start).</summary>
    public string NodeId { get; }

    /// <summary>The node's hash in Redis.</summary>
    public RedisKey OwnKey { get; }

    public Lock Gate { get; } = new();

    /// <summary>Heartbeats issued so far (under the gate): an admission that saw one issued while in flight marks the counts dirty.</summary>
    public long HeartbeatsIssued { get; set; }

    /// <summary>Redis may be missing some of these counts: the next heartbeat rewrites them.</summary>
    public bool Dirty
    {
        get => _dirty;
        set => _dirty = value;
    }

    /// <summary>The node behaves as if crashed: nothing more is written to Redis (tests).</summary>
    public bool Abandoned
    {
        get => _abandoned;
        set => _abandoned = value;
    }

    /// <summary>Connections this node holds a slot for (takes the gate).</summary>
    public int Total
    {
        get
        {
            lock (Gate)
            {
                return _total;
            }
        }
    }

    /// <summary>Under the gate: which limit the node's own counts alone put <paramref name="field"/> over, if any.</summary>
    public ConnectionRefusal Check(string field, ConnectionLimitOptions options) =>
        options.PerIpLimit > 0 && _perIp.GetValueOrDefault(field) + 1 > options.PerIpLimit ? ConnectionRefusal.PerIpLimit
        : _total + 1 > options.MaxConnections ? ConnectionRefusal.MaxConnections
        : ConnectionRefusal.None;

    /// <summary>Under the gate.</summary>
    public void Count(string field)
    {
        _total++;
        _perIp[field] = _perIp.GetValueOrDefault(field) + 1;
    }

    /// <summary>Under the gate.</summary>
    public void Forget(string field)
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

    /// <summary>Under the gate: the counts as field/value pairs (<c>total</c> first, when not zero).</summary>
    public IEnumerable<(string Field, int Count)> Fields()
    {
        if (_total > 0)
        {
            yield return ("total", _total);
        }

        foreach (var (field, count) in _perIp)
        {
            yield return (field, count);
        }
    }
}
