namespace CertStream.Proxy.Telemetry;

/// <summary>Every log message of the proxy; event ids are stable, all in the proxy's range 3000-3999 (docs/engineering.md §5).</summary>
internal static partial class ProxyLog
{
    [LoggerMessage(3000, LogLevel.Information, "Proxying to the gateways {Gateways} ({Discovery} discovery, X-Forwarded-For: {ForwardedFor})")]
    public static partial void ProxyStarted(ILogger logger, string gateways, GatewayDiscovery discovery, string forwardedFor);

    [LoggerMessage(3001, LogLevel.Information, "Gateway {Gateway} resolves to {Addresses}")]
    public static partial void GatewayAddressesResolved(ILogger logger, string gateway, string addresses);

    [LoggerMessage(3002, LogLevel.Warning, "Looking up gateway {Gateway} failed; keeping its {Count} last known addresses")]
    public static partial void GatewayLookupFailed(ILogger logger, string gateway, int count, Exception exception);
}
