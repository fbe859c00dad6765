
namespace CertStream.Gateway.Telemetry;

/// <summary>Every log message of the gateway; event ids are stable (1000-1099, 2100-2199).</summary>
internal static partial class Log
{
    // Debug: a stream whose only client reconnects over and over would log these per connection.
    [LoggerMessage(1000, LogLevel.Debug, "Subscribed to {Channel}")]
    public static partial void LogDebugSubscribed(ILogger logger, string channel);

    [LoggerMessage(1001, LogLevel.Debug, "Unsubscribed from {Channel} (no clients left)")]
    public static partial void LogDebugUnsubscribed(ILogger logger, string channel);

    [LoggerMessage(1002, LogLevel.Warning, "Subscribing to {Channel} failed; retrying in {RetryDelay}")]
    public static partial void LogWarningSubscribeFailed(ILogger logger, string channel, TimeSpan retryDelay, Exception exception);

    [LoggerMessage(1003, LogLevel.Warning, "Unsubscribing from {Channel} failed")]
    public static partial void LogWarningUnsubscribeFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(1004, LogLevel.Debug, "{Protocol} client {Remote} connected to the {Stream} stream")]
    public static partial void LogDebugClientConnected(ILogger logger, string protocol, string remote, string stream);

    [LoggerMessage(1005, LogLevel.Debug, "{Protocol} client {Remote} on the {Stream} stream disconnected ({Reason}); {Sent} messages sent, {Dropped} dropped")]
    public static partial void LogDebugClientDisconnected(ILogger logger, string protocol, string remote, string stream, string reason, long sent, long dropped);

    [LoggerMessage(1007, LogLevel.Error, "{Protocol} client {Remote} failed")]
    public static partial void LogErrorClientFailed(ILogger logger, string protocol, string remote, Exception exception);

    [LoggerMessage(1008, LogLevel.Information, "Raw TCP stream listening on {EndPoint}")]
    public static partial void LogInformationTcpListening(ILogger logger, string endPoint);

    [LoggerMessage(1009, LogLevel.Error, "Accepting raw TCP connections failed")]
    public static partial void LogErrorTcpAcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(1010, LogLevel.Warning, "Reading {Key} from Redis failed")]
    public static partial void LogWarningExampleReadFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(1011, LogLevel.Error, "Handling a message from {Channel} failed")]
    public static partial void LogErrorMessageHandlerFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(1012, LogLevel.Information, "Gateway stopping: closing {Count} client connections")]
    public static partial void LogInformationClosingClients(ILogger logger, int count);

    [LoggerMessage(1013, LogLevel.Debug, "Rejected a WebSocket handshake from {Remote}: {Problem}")]
    public static partial void LogDebugHandshakeRejected(ILogger logger, string remote, string problem);

    [LoggerMessage(1014, LogLevel.Information, "Auth tokens changed: {Count} configured; {Closed} connections closed whose token was revoked")]
    public static partial void LogInformationTokensChanged(ILogger logger, int count, int closed);

    [LoggerMessage(1015, LogLevel.Debug, "Refused {Protocol} client {Remote}: {Reason}")]
    public static partial void LogDebugRefused(ILogger logger, string protocol, string remote, string reason);

    [LoggerMessage(1016, LogLevel.Warning, "Cluster connection count in Redis unavailable; admitting on this node's own counts")]
    public static partial void LogWarningConnectionCountUnavailable(ILogger logger, Exception? exception);

    [LoggerMessage(2100, LogLevel.Information, "Clients in the last minute: {Connected} connected, {Disconnected} disconnected ({SlowClients} closed as slow, {DeadPeers} as dead peers, {WriteStalls} for stalled writes); connected now: {Lite} lite, {Full} full, {Domains} domains")]
    public static partial void LogInformationClientSummary(ILogger logger, long connected, long disconnected, long slowClients, long deadPeers, long writeStalls, int lite, int full, int domains);
}
