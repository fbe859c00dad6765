using System.Globalization;
using CertStream.Gateway.Telemetry;
using CertStream.Gateway.Transports;
using Microsoft.Net.Http.Headers;

namespace CertStream.Gateway.Access;

/// <summary>
/// In front of every endpoint but <c>/health</c> and <c>/alive</c>: resolves the client's IP
/// (<see cref="ClientAddress"/>; it replaces <c>Connection.RemoteIpAddress</c>, so logs and limits
/// see the client, not the proxy), applies the per-IP rate limit (429 with Retry-After; not to
/// <c>/metrics</c>, which a scraper polls on its own schedule) and, with
/// <c>auth:enabled</c>, requires a token (401 with <c>WWW-Authenticate: Bearer</c>) before any
/// WebSocket upgrade or SSE response. <c>/metrics</c> needs a token only with
/// <c>auth:protect_metrics</c>.
/// </summary>
internal static class AccessControlMiddleware
{
    public static WebApplication UseAccessControl(this WebApplication app)
    {
        var services = app.Services;
        var addresses = services.GetRequiredService<ClientAddress>();
        var rateLimiter = services.GetRequiredService<ClientRateLimiter>();
        var auth = services.GetRequiredService<TokenAuthenticator>();
        var metrics = services.GetRequiredService<GatewayMetrics>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AccessControlMiddleware));
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (path.StartsWithSegments("/health") || path.StartsWithSegments("/alive"))
            {
                await next(context);
                return;
            }

            var client = addresses.Resolve(context); // also the request's RemoteIpAddress from here on
            var metricsPath = path.StartsWithSegments("/metrics");
            if (!metricsPath && !rateLimiter.TryAcquire(client, out var retryAfter))
            {
                await RefuseAsync(context, ConnectionRefusal.RateLimited, retryAfter);
                return;
            }

            if (auth.Enabled && (auth.Options.ProtectMetrics || !metricsPath))
            {
                if (auth.Authenticate(context.Request) is not { } digest)
                {
                    await RefuseAsync(context, ConnectionRefusal.Unauthorized, TimeSpan.Zero);
                    return;
                }

                context.Features.Set(new AuthenticatedToken(digest));
            }

            await next(context);
        });
        return app;

        async Task RefuseAsync(HttpContext context, ConnectionRefusal refusal, TimeSpan retryAfter)
        {
            var protocol = ProtocolOf(context);
            ConnectionRefusals.Record(metrics, logger, protocol, RemoteName.Of(context), refusal);
            var response = context.Response;
            if (refusal == ConnectionRefusal.Unauthorized)
            {
                response.StatusCode = StatusCodes.Status401Unauthorized;
                response.Headers.WWWAuthenticate = "Bearer";
                await response.WriteAsync("A token is required: header 'Authorization: Bearer <token>' or ?token=<token>.\n");
            }
            else
            {
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = ConnectionRefusals.RetryAfterSeconds(retryAfter).ToString(CultureInfo.InvariantCulture);
                await response.WriteAsync("Too many requests from this address.\n");
            }
        }
    }

    /// <summary>The protocol label of a refused request: <c>websocket</c>, <c>sse</c> or <c>http</c>.</summary>
    public static string ProtocolOf(HttpContext context) =>
        context.Request.Headers.Upgrade.Count > 0 && context.Request.Headers[HeaderNames.Upgrade].ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase) ? "websocket"
        : context.Request.Path.StartsWithSegments("/sse") ? "sse"
        : "http";
}

/// <summary>Request feature: the digest of the token the request authenticated with.</summary>
internal sealed record AuthenticatedToken(byte[] Digest);
