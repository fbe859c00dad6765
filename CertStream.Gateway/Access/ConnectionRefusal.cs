using CertStream.Gateway.Telemetry;

namespace CertStream.Gateway.Access;

/// <summary>Why a connection or request was turned away; the <c>reason</c> label of the refusals counter.</summary>
internal enum ConnectionRefusal
{
    None = 0,

    /// <summary>No valid token (401).</summary>
    Unauthorized,

    /// <summary>The client IP's token bucket is empty (429 with Retry-After).</summary>
    RateLimited,

    /// <summary>The client IP has <c>connection_limit:per_ip_limit</c> connections across the cluster (429).</summary>
    PerIpLimit,

    /// <summary>The cluster has <c>connection_limit:max_connections</c> connections (503).</summary>
    MaxConnections,

    /// <summary>An HTTP request on the raw TCP port (400).</summary>
    HttpRequest,

    /// <summary>An invalid stream filter (<c>match</c>, <c>issuer</c>, <c>dedup</c>, <c>events</c>): 400, a TCP <c>ERROR</c> line.</summary>
    BadFilter,
    /// <summary>A <c>since</c>/<c>Last-Event-ID</c> that is not a cursor, or a malformed TCP selector line (400).</summary>
    BadRequest,
}

internal static class ConnectionRefusals
{
    /// <summary>Counts and logs a refusal: every transport's refusals go through here, under the caller's log category.</summary>
    public static void Record(GatewayMetrics metrics, ILogger logger, string protocol, string remote, ConnectionRefusal refusal)
    {
        var reason = Name(refusal);
        metrics.Refused(protocol, reason);
        GatewayLog.ConnectionRefused(logger, protocol, remote, reason);
    }

    /// <summary>A rate-limited client's wait as told to it (Retry-After, the TCP line): whole seconds, at least one.</summary>
    public static int RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));

    public static string Name(ConnectionRefusal refusal) => refusal switch
    {
        ConnectionRefusal.Unauthorized => "unauthorized",
        ConnectionRefusal.RateLimited => "rate_limited",
        ConnectionRefusal.PerIpLimit => "per_ip_limit",
        ConnectionRefusal.MaxConnections => "max_connections",
        ConnectionRefusal.HttpRequest => "http_request",
        ConnectionRefusal.BadFilter => "bad_filter",
        ConnectionRefusal.BadRequest => "bad_request",
        _ => "none",
    };
}
