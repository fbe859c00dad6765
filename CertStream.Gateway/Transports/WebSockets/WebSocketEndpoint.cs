using CertStream.Contracts;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Http;
using CertStream.Gateway.Telemetry;
using Microsoft.AspNetCore.Http.Features;

namespace CertStream.Gateway.Transports.WebSockets;

/// <summary>
/// <c>/</c>, <c>/full-stream</c>, <c>/domains-only</c>: a WebSocket handshake gets the stream; a
/// plain GET gets a short HTML page saying what the endpoint is.
/// </summary>
internal static class WebSocketEndpoint
{
    public static RequestDelegate For(StreamKind kind) => context => HandleAsync(context, kind);

    private static async Task HandleAsync(HttpContext context, StreamKind kind)
    {
        if (!WebSocketHandshake.IsWebSocketRequest(context.Request))
        {
            await StreamInfoPage.WriteAsync(context, kind);
            return;
        }

        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var accept = WebSocketHandshake.Validate(context.Request, out var problem);
        if (accept is null || upgrade is not { IsUpgradableRequest: true })
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebSocketEndpoint));
            GatewayLog.HandshakeRejected(logger, RemoteName.Of(context), accept is null ? problem : "not an upgradable HTTP/1.1 request");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.Headers.SecWebSocketVersion = "13";
            await context.Response.WriteAsync($"Bad WebSocket handshake: {(accept is null ? problem : "send it over HTTP/1.1 with Connection: Upgrade")}\n");
            return;
        }

        await StreamSession.RunHttpAsync(context, TransportProtocol.WebSocket, kind,
            (topic, services, digest, filter) => new WebSocketClient(topic, context, services, DirectSocketWrites.Find(context, services.Options)) { TokenDigest = digest, Filter = filter },
            async client =>
            {
                context.Response.Headers.Upgrade = "websocket";
                context.Response.Headers.SecWebSocketAccept = accept;
                var stream = await upgrade.UpgradeAsync();
                await client.RunAsync(stream);
            });
    }
}
