using CertStream.Contracts;
using CertStream.Contracts.Status;
using CertStream.Gateway.Access;
using CertStream.Gateway.Fanout;

namespace CertStream.Gateway.Api;

/// <summary>This node's <see cref="GatewayStatusReport"/>: clients and totals as of now, receive rates over the last report interval.</summary>
internal sealed class NodeStats
{
    private readonly StreamHub _hub;
    private readonly ReceivedCounter _received;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;
    private readonly Lock _gate = new();
    private readonly long[] _lastReceived = new long[StreamKinds.Count];
    private Dictionary<string, double> _rates = StreamKinds.All.ToDictionary(StreamKinds.Name, _ => 0.0);
    private long _lastTimestamp;

    public NodeStats(StreamHub hub, ReceivedCounter received, NodeConnectionCounts counts, IConfiguration configuration, TimeProvider time)
    {
        _hub = hub;
        _received = received;
        _time = time;
        _started = time.GetUtcNow();
        _lastTimestamp = time.GetTimestamp();
        NodeId = counts.NodeId;
        Name = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } service ? service : Environment.MachineName;
    }

    public string NodeId { get; }

    public string Name { get; }

    /// <summary>Takes the receive rates since the previous call (the reporter calls it once per interval).</summary>
    public void UpdateRates()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var seconds = Math.Max(_time.GetElapsedTime(_lastTimestamp, now).TotalSeconds, 0.001);
            _lastTimestamp = now;
            var rates = new Dictionary<string, double>(StreamKinds.Count);
            foreach (var kind in StreamKinds.All)
            {
                var total = _received.Total(kind);
                rates[StreamKinds.Name(kind)] = Math.Round((total - _lastReceived[(int)kind]) / seconds, 2);
                _lastReceived[(int)kind] = total;
            }

            _rates = rates;
        }
    }

    public GatewayStatusReport Current()
    {
        var byStream = new Dictionary<string, IReadOnlyDictionary<string, long>>(StreamKinds.Count);
        long clients = 0;
        foreach (var kind in StreamKinds.All)
        {
            var byProtocol = TransportProtocols.All.ToDictionary(TransportProtocols.Name, _ => 0L);
            foreach (var client in _hub.Topic(kind).Clients)
            {
                byProtocol[TransportProtocols.Name(client.Protocol)]++;
                clients++;
            }

            byStream[StreamKinds.Name(kind)] = byProtocol;
        }

        long sent = 0, dropped = 0;
        foreach (var totals in _hub.SnapshotTotals())
        {
            sent += totals.Sent;
            dropped += totals.Dropped;
        }

        var now = _time.GetUtcNow();
        Dictionary<string, double> rates;
        lock (_gate)
        {
            rates = _rates;
        }

        return new GatewayStatusReport
        {
            Node = NodeId,
            Name = Name,
            Started = _started.ToUnixTimeMilliseconds() / 1000.0,
            Updated = now.ToUnixTimeMilliseconds() / 1000.0,
            UptimeSecs = Math.Round((now - _started).TotalSeconds, 1),
            Clients = clients,
            ClientsByStream = byStream,
            ReceivedPerSecond = rates,
            Sent = sent,
            Dropped = dropped,
        };
    }
}
