using CertStream.Gateway.Telemetry;
using CertStream.Gateway.Transports;

namespace CertStream.Gateway.Access;

/// <summary>
/// The connection limit for an HTTP stream (WebSocket or SSE), checked before the upgrade or the
/// SSE response: 429 when the client IP is at <c>per_ip_limit</c>, 503 when the cluster is at
/// <c>max_connections</c>.
/// </summary>
internal static class StreamAdmission
{
    /// <summary>The slot to dispose when the stream ends, or null when the response (429/503) has been written.</summary>
    public static async Task<ConnectionSlot?> AdmitAsync(HttpContext context, string protocol)
    {
        var services = context.RequestServices;
        var limiter = services.GetRequiredService<ClusterConnectionLimiter>();
        var client = context.Connection.RemoteIpAddress ?? System.Net.IPAddress.None;
        var (slot, refusal) = await limiter.TryAdmitAsync(client, context.RequestAborted);
        if (slot is not null)
        {
            return slot;
        }

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StreamAdmission));
        ConnectionRefusals.Record(services.GetRequiredService<GatewayMetrics>(), logger, protocol, RemoteName.Of(context), refusal);
        var perIp = refusal == ConnectionRefusal.PerIpLimit;
        context.Response.StatusCode = perIp ? StatusCodes.Status429TooManyRequests : StatusCodes.Status503ServiceUnavailable;
        await context.Response.WriteAsync(perIp ? "Too many connections from this address.\n" : "The server is at its connection limit.\n");
        return null;
    }
}
