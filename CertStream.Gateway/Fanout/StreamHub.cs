using CertStream.Contracts;
using CertStream.Gateway.Options;
using CertStream.Gateway.Telemetry;
using CertStream.Gateway.Transports.WebSockets;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CertStream.Gateway.Fanout;

/// <summary>
/// The node's fan-out: one <see cref="StreamTopic"/> per stream kind, the registry of connected
/// clients, the once-a-second liveness tick and (with <c>flush_interval_ms</c>) the flush tick.
/// On stop it closes every client (1001 for WebSockets) and drops every Redis subscription.
/// </summary>
internal sealed class StreamHub : IHostedService, IDisposable
{
    private static readonly TimeSpan LivenessPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SummaryPeriod = TimeSpan.FromMinutes(1);

    private readonly StreamTopic[] _topics;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<StreamHub> _logger;
    private readonly FlushScheduler? _flushScheduler;
    private readonly Lock _totalsGate = new();
    private readonly long[] _retiredSent = new long[StreamKinds.Count * 3];
    private readonly long[] _retiredDropped = new long[StreamKinds.Count * 3];
    private readonly long[] _retiredWrites = new long[StreamKinds.Count * 3];
    private readonly ClientActivity _activity = new();
    private ITimer? _liveness;
    private ITimer? _summary;
    private CancellationTokenRegistration _stopping;
    private volatile bool _closing;

    public StreamHub(
        IConnectionMultiplexer redis,
        IOptions<GatewayOptions> gateway,
        IOptions<ServerOptions> server,
        TimeProvider time,
        GatewayMetrics metrics,
        IHostApplicationLifetime lifetime,
        ILogger<StreamHub> logger)
    {
        _lifetime = lifetime;
        _logger = logger;
        Services = new ClientServices(gateway.Value, server.Value.BufferSize, time, metrics, logger) { Replay = new ReplayReader(redis) };
        if (gateway.Value.FlushInterval > TimeSpan.Zero)
        {
            _flushScheduler = new FlushScheduler(time, gateway.Value.FlushInterval, WakePendingTopics);
        }

        _topics = [.. StreamKinds.All.Select(kind => new StreamTopic(kind, redis, Services, _flushScheduler) { SharedFramer = WebSocketFrames.WriteText })];
        metrics.ObserveQueues(SnapshotQueues);
        metrics.ObserveTotals(SnapshotTotals);
    }

    public ClientServices Services { get; }

    public StreamTopic Topic(StreamKind kind) => _topics[(int)kind];

    /// <summary>Every connected client of every stream (a snapshot per stream).</summary>
    public IEnumerable<ClientConnection> AllClients()
    {
        foreach (var topic in _topics)
        {
            foreach (var client in topic.Clients)
            {
                yield return client;
            }
        }
    }

    public int ClientCount => _topics.Sum(t => t.Clients.Length);

    /// <summary>
    /// Adds a client to its stream and waits (briefly) for the stream's Redis subscription, so that a
    /// client that has been told it is connected also receives what is published next. False when
    /// the node is stopping.
    /// </summary>
    public async Task<bool> RegisterAsync(ClientConnection client, CancellationToken cancellationToken)
    {
        if (_closing)
        {
            return false;
        }

        Services.Metrics.ClientConnected(client.Stream, client.Protocol);
        _activity.Connected();
        GatewayLog.ClientConnected(_logger, TransportProtocols.Name(client.Protocol), client.Remote, StreamKinds.Name(client.Stream));
        if (client.Filter is { } filter)
        {
            GatewayLog.ClientFiltered(_logger, TransportProtocols.Name(client.Protocol), client.Remote, StreamKinds.Name(client.Stream), filter.ToString());
        }
        var subscribed = client.Topic.AddAsync(client);
        if (_closing)
        {
            client.RequestClose(DisconnectReason.Shutdown);
        }

        try
        {
            await subscribed.WaitAsync(TimeSpan.FromSeconds(2), Services.Time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Redis is unreachable: serve the client anyway (heartbeats) until it comes back.
        }
        catch (OperationCanceledException)
        {
            // The client left during the wait; its handler finds out on its first write.
        }

        return true;
    }

    /// <summary>Removes a client that has finished; the last one of a stream drops its subscription.</summary>
    public async Task UnregisterAsync(ClientConnection client)
    {
        var reason = client.CloseReason == DisconnectReason.None ? DisconnectReason.ClientClosed : client.CloseReason;
        Services.Metrics.ClientDisconnected(client.Stream, client.Protocol, reason);
        _activity.Disconnected(reason);
        GatewayLog.ClientDisconnected(_logger, TransportProtocols.Name(client.Protocol), client.Remote, StreamKinds.Name(client.Stream), DisconnectReasons.Name(reason), client.Sent, client.Dropped);
        lock (_totalsGate)
        {
            // Atomic for the counters: the client's tallies leave the live sum as they join the retired one.
            var index = TotalsIndex(client.Stream, client.Protocol);
            _retiredSent[index] += client.Sent;
            _retiredDropped[index] += client.Dropped;
            _retiredWrites[index] += client.Writes;
            client.Retired = true;
        }

        await client.Topic.RemoveAsync(client);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var time = Services.Time;
        _liveness = time.CreateTimer(static state => ((StreamHub)state!).TickLiveness(), this, LivenessPeriod, LivenessPeriod);
        _summary = time.CreateTimer(static state => ((StreamHub)state!).LogSummary(), this, SummaryPeriod, SummaryPeriod);

        // Stream handlers would otherwise keep the server's graceful shutdown waiting for clients.
        _stopping = _lifetime.ApplicationStopping.Register(static state => ((StreamHub)state!).CloseAll(), this);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        CloseAll();
        await Task.WhenAll(_topics.Select(t => t.StopAsync()));
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _liveness?.Dispose();
        _summary?.Dispose();
        _flushScheduler?.Dispose();
    }

    private void CloseAll()
    {
        if (_closing)
        {
            return;
        }

        _closing = true;
        GatewayLog.ClientsClosing(_logger, ClientCount);
        foreach (var topic in _topics)
        {
            foreach (var client in topic.Clients)
            {
                client.RequestClose(DisconnectReason.Shutdown);
            }
        }
    }

    private void TickLiveness()
    {
        var now = Services.Time.GetTimestamp();
        foreach (var topic in _topics)
        {
            foreach (var client in topic.Clients)
            {
                client.Tick(now);
            }
        }
    }

    /// <summary>Once a minute, one Information line on the clients that came and went; nothing when none did.</summary>
    private void LogSummary()
    {
        var summary = _activity.Take();
        if (summary.IsEmpty)
        {
            return;
        }

        GatewayLog.ClientsSummarized(
            _logger,
            summary.Connected,
            summary.Disconnected,
            summary.SlowClients,
            summary.DeadPeers,
            summary.WriteStalls,
            Topic(StreamKind.Lite).Clients.Length,
            Topic(StreamKind.Full).Clients.Length,
            Topic(StreamKind.Domains).Clients.Length);
    }

    // On the timer's thread, where nothing else would catch an exception: a tick that throws (a bug)
    // must neither end the process nor leave a stream's clients asleep, nor keep the other streams
    // from their tick.
    private void WakePendingTopics()
    {
        foreach (var topic in _topics)
        {
            try
            {
                topic.WakeIfPending();
            }
            catch (Exception ex)
            {
                Services.Metrics.FlushFailed(topic.Kind);
                if (topic.IsFirstFlushFailure())
                {
                    GatewayLog.FlushFailed(_logger, StreamKinds.Name(topic.Kind), ex);
                }
            }
        }
    }

    private static int TotalsIndex(StreamKind stream, TransportProtocol protocol) => ((int)stream * 3) + (int)protocol;

    internal ClientTotals[] SnapshotTotals()
    {
        var totals = new ClientTotals[_retiredSent.Length];
        lock (_totalsGate)
        {
            var sent = (long[])_retiredSent.Clone();
            var dropped = (long[])_retiredDropped.Clone();
            var writes = (long[])_retiredWrites.Clone();
            foreach (var topic in _topics)
            {
                foreach (var client in topic.Clients)
                {
                    if (!client.Retired)
                    {
                        var index = TotalsIndex(client.Stream, client.Protocol);
                        sent[index] += client.Sent;
                        dropped[index] += client.Dropped;
                        writes[index] += client.Writes;
                    }
                }
            }

            foreach (var stream in StreamKinds.All)
            {
                foreach (var protocol in TransportProtocols.All)
                {
                    var index = TotalsIndex(stream, protocol);
                    totals[index] = new ClientTotals(stream, protocol, sent[index], dropped[index], writes[index]);
                }
            }
        }

        return totals;
    }

    private QueueSnapshot[] SnapshotQueues()
    {
        var snapshots = new QueueSnapshot[_topics.Length];
        for (var i = 0; i < _topics.Length; i++)
        {
            var topic = _topics[i];
            long depth = 0, max = 0;
            foreach (var client in topic.Clients)
            {
                var backlog = client.Backlog;
                depth += backlog;
                max = Math.Max(max, backlog);
            }

            snapshots[i] = new QueueSnapshot(topic.Kind, depth, max, topic.Ring.Bytes);
        }

        return snapshots;
    }
}
