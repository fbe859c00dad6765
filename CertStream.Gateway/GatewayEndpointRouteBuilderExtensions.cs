using CertStream.Contracts;
using CertStream.Gateway.Access;
using CertStream.Gateway.Api;
using CertStream.Gateway.Http;
using CertStream.Gateway.Options;
using CertStream.Gateway.Transports;
using CertStream.Gateway.Transports.Sse;
using CertStream.Gateway.Transports.WebSockets;
using Microsoft.Extensions.Options;

namespace CertStream.Gateway;

public static class GatewayEndpointRouteBuilderExtensions
{
    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>
    /// <c>/health</c>, <c>/alive</c>, <c>/metrics</c>; the WebSocket streams <c>/</c>,
    /// <c>/full-stream</c>, <c>/domains-only</c> (with or without a trailing slash) when
    /// <c>protocols:websocket</c>; <c>/sse</c> when <c>protocols:sse</c>; the three
    /// <c>example.json</c> endpoints; <c>/api/logs</c>, <c>/api/stats</c>, <c>/api/cert/{hash}</c>. A disabled protocol's paths are not mapped (404). Everything
    /// but <c>/health</c> and <c>/alive</c> passes the access control first (client IP, rate limit,
    /// token: <see cref="AccessControlMiddleware"/>).
    /// </summary>
    public static WebApplication MapGatewayEndpoints(this WebApplication app)
    {
        app.UseNodeNameHeader();
        app.UseAccessControl();
        app.MapDefaultEndpoints();
        var protocols = app.Services.GetRequiredService<IOptions<ProtocolOptions>>().Value;
        if (protocols.WebSocket)
        {
            foreach (var kind in StreamKinds.All)
            {
                app.MapStream(StreamNames.Path(kind), kind);
            }
        }

        if (protocols.Sse)
        {
            app.MapGet("/sse", SseEndpoint.HandleAsync);
        }

        foreach (var kind in StreamKinds.All)
        {
            app.MapMethods(StreamNames.ExamplePath(kind), GetOrHead, ExampleEndpoint.For(kind));
        }

        app.MapStatusApi();

        return app;
    }

    // Routing matches "/full-stream/" to "/full-stream" by itself (a second route would be ambiguous).
    private static void MapStream(this IEndpointRouteBuilder endpoints, string path, StreamKind kind) =>
        endpoints.MapMethods(path, GetOrHead, WebSocketEndpoint.For(kind));
}
