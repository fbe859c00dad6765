using System.Diagnostics.Metrics;
using CertStream.Contracts;
using CertStream.Gateway.Fanout;

namespace CertStream.Gateway.Telemetry;

/// <summary>
/// The gateway's instruments on <see cref="TelemetryNames.Gateway"/> (exported at /metrics as
/// <c>certstream_gateway_*</c>). Labels: <c>stream</c> (lite, full, domains), <c>protocol</c>
/// (websocket, sse, tcp), <c>reason</c> (see <see cref="DisconnectReason"/>).
/// </summary>
public sealed class GatewayMetrics
{
    public const string ClientsName = "certstream.gateway.clients";
    public const string MessagesReceivedName = "certstream.gateway.messages.received";
    public const string MessagesSentName = "certstream.gateway.messages.sent";
    public const string MessagesDroppedName = "certstream.gateway.messages.dropped";
    public const string WritesName = "certstream.gateway.writes";
    public const string HeartbeatsSentName = "certstream.gateway.heartbeats.sent";
    public const string DisconnectsName = "certstream.gateway.disconnects";
    public const string QueueDepthName = "certstream.gateway.queue.depth";
    public const string QueueMaxDepthName = "certstream.gateway.queue.max_depth";
    public const string QueueBytesName = "certstream.gateway.queue.bytes";
    public const string RefusedName = "certstream.gateway.connections.refused";
    public const string MalformedName = "certstream.gateway.messages.malformed";
    public const string FlushFailuresName = "certstream.gateway.flush.failures";

    private static readonly object[] StreamLabels = [.. StreamKinds.All.Select(StreamKinds.Name)];
    private static readonly object[] ProtocolLabels = [.. TransportProtocols.All.Select(TransportProtocols.Name)];

    private readonly UpDownCounter<long> _clients;
    private readonly Counter<long> _received;
    private readonly Counter<long> _malformed;
    private readonly Counter<long> _flushFailures;
    private readonly Counter<long> _heartbeats;
    private readonly Counter<long> _disconnects;
    private readonly Counter<long> _refused;
    private readonly Meter _meter;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(TelemetryNames.Gateway);
        _clients = _meter.CreateUpDownCounter<long>(ClientsName, "{client}", "Connected clients.");
        _received = _meter.CreateCounter<long>(MessagesReceivedName, "{message}", "Messages received from Redis.");
        _malformed = _meter.CreateCounter<long>(MalformedName, "{message}", "Messages from Redis dropped as neither an envelope nor JSON (an unknown envelope version).");
        _flushFailures = _meter.CreateCounter<long>(FlushFailuresName, "{flush}", "Flush ticks of a stream that threw (a bug); its clients were woken to read on their own.");
        _heartbeats = _meter.CreateCounter<long>(HeartbeatsSentName, "{message}", "JSON heartbeats written to quiet connections.");
        _disconnects = _meter.CreateCounter<long>(DisconnectsName, "{client}", "Connections ended, by reason.");
        _refused = _meter.CreateCounter<long>(RefusedName, "{request}", "Connections and requests refused, by reason (unauthorized, rate_limited, per_ip_limit, max_connections, http_request).");
    }

    /// <summary>
    /// Registers the counters of messages sent and dropped, read from the clients' own tallies when
    /// scraped: the send loop then only bumps a field per batch, instead of paying a counter update
    /// (tag lookup, interlocked add) per batch per client.
    /// </summary>
    internal void ObserveTotals(Func<ClientTotals[]> observe)
    {
        _meter.CreateObservableCounter(MessagesSentName, () => MeasureTotals(observe(), static t => t.Sent), "{message}",
            "Messages written to clients (heartbeats not included).");
        _meter.CreateObservableCounter(MessagesDroppedName, () => MeasureTotals(observe(), static t => t.Dropped), "{message}",
            "Messages a client lost because it fell too far behind.");
        _meter.CreateObservableCounter(WritesName, () => MeasureTotals(observe(), static t => t.Writes), "{write}",
            "Batched writes to clients; messages sent per write shows how well sends are batched.");
    }

    /// <summary>Registers the queue gauges; <paramref name="observe"/> fills depth, max depth and bytes per stream.</summary>
    internal void ObserveQueues(Func<QueueSnapshot[]> observe)
    {
        _meter.CreateObservableGauge(QueueDepthName, () => Measure(observe(), static s => s.Depth), "{message}",
            "Messages waiting to be written, summed over the stream's clients.");
        _meter.CreateObservableGauge(QueueMaxDepthName, () => Measure(observe(), static s => s.MaxDepth), "{message}",
            "Messages waiting for the stream's furthest-behind client.");
        _meter.CreateObservableGauge(QueueBytesName, () => Measure(observe(), static s => s.RetainedBytes), "By",
            "Bytes of messages the node holds for the stream's clients (bounded by max_queue_bytes).");
    }

    private static IEnumerable<Measurement<long>> Measure(QueueSnapshot[] snapshots, Func<QueueSnapshot, long> value)
    {
        foreach (var s in snapshots)
        {
            yield return new Measurement<long>(value(s), new KeyValuePair<string, object?>("stream", StreamLabels[(int)s.Stream]));
        }
    }

    private static IEnumerable<Measurement<long>> MeasureTotals(ClientTotals[] totals, Func<ClientTotals, long> value)
    {
        foreach (var t in totals)
        {
            yield return new Measurement<long>(value(t), Stream(t.Stream), Protocol(t.Protocol));
        }
    }

    internal void ClientConnected(StreamKind stream, TransportProtocol protocol) => _clients.Add(1, Stream(stream), Protocol(protocol));

    internal void ClientDisconnected(StreamKind stream, TransportProtocol protocol, DisconnectReason reason)
    {
        _clients.Add(-1, Stream(stream), Protocol(protocol));
        _disconnects.Add(1, Protocol(protocol), new KeyValuePair<string, object?>("reason", DisconnectReasons.Name(reason)));
    }

    internal void Refused(string protocol, string reason) =>
        _refused.Add(1, new KeyValuePair<string, object?>("protocol", protocol), new KeyValuePair<string, object?>("reason", reason));

    internal void Received(StreamKind stream) => _received.Add(1, Stream(stream));

    internal void Malformed(StreamKind stream) => _malformed.Add(1, Stream(stream));

    internal void FlushFailed(StreamKind stream) => _flushFailures.Add(1, Stream(stream));

    internal void HeartbeatSent(StreamKind stream, TransportProtocol protocol) => _heartbeats.Add(1, Stream(stream), Protocol(protocol));

    private static KeyValuePair<string, object?> Stream(StreamKind stream) => new("stream", StreamLabels[(int)stream]);

    private static KeyValuePair<string, object?> Protocol(TransportProtocol protocol) => new("protocol", ProtocolLabels[(int)protocol]);
}

/// <summary>Messages sent and dropped so far for one stream and protocol, for the counters.</summary>
internal readonly record struct ClientTotals(StreamKind Stream, TransportProtocol Protocol, long Sent, long Dropped, long Writes);

/// <summary>Queue state of one stream kind at one instant, for the gauges.</summary>
internal readonly record struct QueueSnapshot(StreamKind Stream, long Depth, long MaxDepth, long RetainedBytes);
