using CertStream.Proxy.Telemetry;
using CertStream.ServiceDefaults.Configuration;
using CertStream.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.ServiceDiscovery;
using Yarp.ReverseProxy.Transforms;

namespace CertStream.Proxy;

/// <summary>
/// YARP in front of the gateway nodes: one catch-all route to one cluster whose destinations are
/// the gateways of <c>Proxy:Gateways</c>, found by service discovery (a name is enough) or, in
/// Kubernetes, by DNS (one destination per gateway pod). Streams are long-lived, so connections go
/// to the node with the fewest requests in flight, and active health checks on <c>/health</c> take
/// a dead node out of rotation. YARP adds X-Forwarded-For/Proto/Host, which gateways trust from
/// their <c>trusted_proxies</c> only.
/// </summary>
public static class GatewayProxyExtensions
{
    public const string ClusterId = "gateways";

    public static WebApplicationBuilder AddGatewayProxy(this WebApplicationBuilder builder)
    {
        var options = Bind(builder.Configuration);
        if (new ProxyOptionsValidator().Validate(null, options) is { Failed: true } invalid)
        {
            // Thrown on a start; under --validate-config recorded, so that the other settings are checked too.
            SettingProblems.Report(new OptionsValidationException(ProxyOptions.Section, typeof(ProxyOptions), invalid.Failures));
        }

        var destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var gateway in options.GatewaysOrDefault)
        {
            destinations[gateway.Trim()] = new DestinationConfig { Address = ProxyOptions.AddressOf(gateway.Trim()) };
        }

        var route = new RouteConfig
        {
            RouteId = "streams",
            ClusterId = ClusterId,
            Match = new RouteMatch { Path = "{**catch-all}" },
        }.WithTransformXForwarded(xFor: options.ForwardedFor);
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

        var proxy = builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster]);
        if (options.Discovery == GatewayDiscovery.Dns)
        {
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton<IDestinationResolver>(sp => new GatewayDnsResolver(
                options, sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<GatewayDnsResolver>>()));
        }
        else
        {
            proxy.AddServiceDiscoveryDestinationResolver();
        }

        builder.Services.AddHostedService(sp => new StartupReport(sp.GetRequiredService<ILogger<ProxyOptions>>(), options));
        return builder;
    }

    private static ProxyOptions Bind(IConfiguration configuration)
    {
        try
        {
            return configuration.GetSection(ProxyOptions.Section).Get<ProxyOptions>() ?? new ProxyOptions();
        }
        catch (InvalidOperationException ex) when (StartupErrors.DescribeBindingError(ex) is { } line)
        {
            // A value of the wrong type (Proxy:Discovery: Foo): one line naming the key, not a stack trace.
            SettingProblems.Report(new InvalidSettingException(line, ex));
            return new ProxyOptions();
        }
    }

    private sealed class StartupReport(ILogger logger, ProxyOptions options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            ProxyLog.ProxyStarted(logger, string.Join(", ", options.GatewaysOrDefault), options.Discovery, options.ForwardedFor.ToString());
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
