using Yarp.ReverseProxy.Configuration;

namespace CertStream.Proxy;

/// <summary>
/// YARP in front of the gateway nodes: one catch-all route to one cluster whose destinations are
/// the gateways named in <c>Proxy:Gateways</c> (resolved through service discovery, so a name is
/// enough). Streams are long-lived, so connections go to the node with the fewest requests in
/// flight, and active health checks on <c>/health</c> take a dead node out of rotation.
/// YARP adds X-Forwarded-For/Proto/Host, which gateways trust from this proxy only.
/// </summary>
public static class GatewayProxyExtensions
{
    public const string ClusterId = "gateways";

    public static WebApplicationBuilder AddGatewayProxy(this WebApplicationBuilder builder)
    {
        var gateways = builder.Configuration.GetSection("Proxy:Gateways").Get<string[]>() is { Length: > 0 } names
            ? names
            : ["gateway"];
        var destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in gateways)
        {
            destinations[name] = new DestinationConfig { Address = $"http://{name}" };
        }

        var route = new RouteConfig
        {
            RouteId = "streams",
            ClusterId = ClusterId,
            Match = new RouteMatch { Path = "{**catch-all}" },
        };
        var cluster = new ClusterConfig
        {
            ClusterId = ClusterId,
            LoadBalancingPolicy = "LeastRequests",
            Destinations = destinations,
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = TimeSpan.FromSeconds(5),
                    Timeout = TimeSpan.FromSeconds(3),
                    Policy = "ConsecutiveFailures",
                    Path = "/health",
                },
            },
            HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig
            {
                // Streams are quiet for at most the 10 s heartbeat; YARP's 100 s default would do,
                // but a longer limit keeps slow-but-alive SSE readers from being cut.
                ActivityTimeout = TimeSpan.FromMinutes(10),
            },
        };

        builder.Services.AddReverseProxy()
            .LoadFromMemory([route], [cluster])
            .AddServiceDiscoveryDestinationResolver();
        return builder;
    }
}
