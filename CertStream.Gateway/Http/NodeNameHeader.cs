namespace CertStream.Gateway.Http;

/// <summary>
/// Names the node that answered in <c>X-CertStream-Node</c> on every response (WebSocket
/// upgrades included), so an operator or a test behind the proxy can tell the gateways apart.
/// The name is Aspire's resource name (OTEL_SERVICE_NAME) or, in Kubernetes, the pod's host name.
/// </summary>
public static class NodeNameHeader
{
    public const string Name = "X-CertStream-Node";

    public static WebApplication UseNodeNameHeader(this WebApplication app)
    {
        var node = app.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } service ? service : Environment.MachineName;
        app.Use((context, next) =>
        {
            context.Response.Headers[Name] = node;
            return next(context);
        });
        return app;
    }
}
