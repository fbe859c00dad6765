using StackExchange.Redis;

namespace CertStream.Gateway.Telemetry;

/// <summary>Every log message of the gateway; event ids are stable, all in the gateway's range 2000-2999 (docs/engineering.md §5).</summary>
internal static partial class GatewayLog
{
    // Debug: a stream whose only client reconnects over and over would log these per connection.
    [LoggerMessage(2000, LogLevel.Debug, "Subscribed to {Channel}")]
    public static partial void Subscribed(ILogger logger, string channel);

    [LoggerMessage(2001, LogLevel.Debug, "Unsubscribed from {Channel} (no clients left)")]
    public static partial void Unsubscribed(ILogger logger, string channel);

    /// <summary>
    /// An unreachable Redis is reported once per interval, naming the endpoint, by the shared Redis
    /// availability monitor: a retry that fails for that reason is a Debug line without a stack trace.
    /// </summary>
    public static void SubscribeFailed(ILogger logger, string channel, TimeSpan retryDelay, Exception exception)
    {
        if (RedisUnreachable(exception))
        {
            SubscribeFailedRedisUnreachable(logger, channel, retryDelay, exception.Message);
        }
        else
        {
            SubscribeFailedUnexpectedly(logger, channel, retryDelay, exception);
        }
    }

    [LoggerMessage(2002, LogLevel.Warning, "Subscribing to {Channel} failed; retrying in {RetryDelay}")]
    private static partial void SubscribeFailedUnexpectedly(ILogger logger, string channel, TimeSpan retryDelay, Exception exception);

    [LoggerMessage(2300, LogLevel.Debug, "Subscribing to {Channel} failed, Redis unreachable; retrying in {RetryDelay}: {Error}")]
    private static partial void SubscribeFailedRedisUnreachable(ILogger logger, string channel, TimeSpan retryDelay, string error);

    [LoggerMessage(2003, LogLevel.Warning, "Unsubscribing from {Channel} failed")]
    public static partial void UnsubscribeFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(2004, LogLevel.Debug, "{Protocol} client {Remote} connected to the {Stream} stream")]
    public static partial void ClientConnected(ILogger logger, string protocol, string remote, string stream);

    [LoggerMessage(2400, LogLevel.Debug, "{Protocol} client {Remote} on the {Stream} stream filters: {Filter}")]
    public static partial void ClientFiltered(ILogger logger, string protocol, string remote, string stream, string filter);

    [LoggerMessage(2005, LogLevel.Debug, "{Protocol} client {Remote} on the {Stream} stream disconnected ({Reason}); {Sent} messages sent, {Dropped} dropped")]
    public static partial void ClientDisconnected(ILogger logger, string protocol, string remote, string stream, string reason, long sent, long dropped);

    [LoggerMessage(2007, LogLevel.Error, "{Protocol} client {Remote} failed")]
    public static partial void ClientFailed(ILogger logger, string protocol, string remote, Exception exception);

    [LoggerMessage(2008, LogLevel.Information, "Raw TCP stream listening on {EndPoint}")]
    public static partial void TcpListenerStarted(ILogger logger, string endPoint);

    [LoggerMessage(2009, LogLevel.Error, "Accepting raw TCP connections failed")]
    public static partial void TcpAcceptFailed(ILogger logger, Exception exception);

    /// <summary>Per request: while Redis is unreachable (reported by the monitor) a Debug line without a stack trace.</summary>
    public static void ExampleReadFailed(ILogger logger, string key, Exception exception)
    {
        if (RedisUnreachable(exception) || exception is TimeoutException or RedisTimeoutException)
        {
            ExampleReadFailedRedisUnreachable(logger, key, exception.Message);
        }
        else
        {
            ExampleReadFailedUnexpectedly(logger, key, exception);
        }
    }

    [LoggerMessage(2010, LogLevel.Warning, "Reading {Key} from Redis failed")]
    private static partial void ExampleReadFailedUnexpectedly(ILogger logger, string key, Exception exception);

    [LoggerMessage(2301, LogLevel.Debug, "Reading {Key} from Redis failed (unreachable or slow): {Error}")]
    private static partial void ExampleReadFailedRedisUnreachable(ILogger logger, string key, string error);

    private static bool RedisUnreachable(Exception exception) => exception is RedisConnectionException;

    [LoggerMessage(2011, LogLevel.Error, "Handling a message from {Channel} failed")]
    public static partial void MessageHandlerFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(2017, LogLevel.Error, "The flush tick of the {Stream} stream failed; its clients read on by themselves. Later failures of this stream are only counted (certstream_gateway_flush_failures_total)")]
    public static partial void FlushFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(2012, LogLevel.Information, "Gateway stopping: closing {Count} client connections")]
    public static partial void ClientsClosing(ILogger logger, int count);

    [LoggerMessage(2013, LogLevel.Debug, "Rejected a WebSocket handshake from {Remote}: {Problem}")]
    public static partial void HandshakeRejected(ILogger logger, string remote, string problem);

    [LoggerMessage(2014, LogLevel.Information, "Auth tokens changed: {Count} configured; {Closed} connections closed whose token was revoked")]
    public static partial void TokensChanged(ILogger logger, int count, int closed);

    [LoggerMessage(2015, LogLevel.Debug, "Refused {Protocol} client {Remote}: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string protocol, string remote, string reason);

    [LoggerMessage(2016, LogLevel.Warning, "Cluster connection count in Redis unavailable; admitting on this node's own counts")]
    public static partial void ConnectionCountUnavailable(ILogger logger, Exception? exception);

    [LoggerMessage(2100, LogLevel.Information, "Clients in the last minute: {Connected} connected, {Disconnected} disconnected ({SlowClients} closed as slow, {DeadPeers} as dead peers, {WriteStalls} for stalled writes); connected now: {Lite} lite, {Full} full, {Domains} domains")]
    public static partial void ClientsSummarized(ILogger logger, long connected, long disconnected, long slowClients, long deadPeers, long writeStalls, int lite, int full, int domains);

    // 2450-2499: resume (Fanout/ClientConnection.Resume).
    [LoggerMessage(2450, LogLevel.Warning, "Replay for {Remote} on {Stream} from {Cursor} failed: {Error}; it continues with the live stream and is told the loss is unknown")]
    public static partial void ReplayFailed(ILogger logger, string remote, string stream, string cursor, string error);
    // 2500-2549: the status API and the live page (Api/).
    [LoggerMessage(2500, LogLevel.Warning, "Node stats not written to Redis: {Error}; /api/stats of other nodes leaves this one out until a write succeeds (retried every interval)")]
    public static partial void StatsReportFailed(ILogger logger, string error);

    [LoggerMessage(2501, LogLevel.Information, "Node stats written to Redis again")]
    public static partial void StatsReportRecovered(ILogger logger);

    [LoggerMessage(2502, LogLevel.Debug, "{Path}: Redis unreachable ({Error}); answered with what this node knows")]
    public static partial void ApiRedisFailed(ILogger logger, string path, string error);
}
