using CertStream.Gateway.Access;
using CertStream.Gateway.Api;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Hosting;
using CertStream.Gateway.Options;
using CertStream.Gateway.Telemetry;
using CertStream.Gateway.Transports.Tcp;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CertStream.Gateway;

public static class GatewayServiceCollectionExtensions
{
    /// <summary>The settings that choose the HTTP address unless ASP.NET Core's are given.</summary>
    public const string ListenSetting = "host/port (CERTSTREAM_HOST/CERTSTREAM_PORT)";

    /// <summary>
    /// Everything a gateway node needs: service defaults (OpenTelemetry, health), the CertStream
    /// configuration and <c>gateway:</c> options, the Redis client (connection string
    /// <c>ConnectionStrings:redis</c>) with its health check, the fan-out hub, the raw TCP listener
    /// and the listen addresses (<c>host</c>/<c>port</c> unless ASP.NET Core URLs are given).
    /// </summary>
    public static TBuilder AddGateway<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddBasicServiceDefaults();
        builder.AddCertStreamConfiguration();
        var services = builder.Services;
        services.AddCertStreamOptions<ServerOptions, ServerOptionsValidator>(null);
        services.AddCertStreamOptions<ProtocolOptions, ProtocolOptionsValidator>(ProtocolOptions.Section);
        services.AddCertStreamOptions<GatewayOptions, GatewayOptionsValidator>(GatewayOptions.Section);
        services.AddReloadableCertStreamOptions<AuthOptions, AuthOptionsValidator>(AuthOptions.Section);
        services.AddReloadableCertStreamOptions<ClientAddressOptions, ClientAddressOptionsValidator>(null);
        services.AddReloadableCertStreamOptions<RateLimitOptions, RateLimitOptionsValidator>(RateLimitOptions.Section);
        services.AddReloadableCertStreamOptions<ConnectionLimitOptions, ConnectionLimitOptionsValidator>(ConnectionLimitOptions.Section);
        services.AddCertStreamOptions<StatusOptions, StatusOptionsValidator>(StatusOptions.Section);

        // A ?token= would otherwise be written out with the request line (Information), even at log_level debug.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);

        builder.AddCertStreamRedis("redis");

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<StreamHub>();
        services.AddHostedService(sp => sp.GetRequiredService<StreamHub>());
        services.AddSingleton<TokenAuthenticator>();
        services.AddSingleton<ClientAddress>();
        services.AddSingleton<ClientRateLimiter>();
        services.AddSingleton<NodeConnectionCounts>();
        services.AddSingleton<ClusterConnectionLimiter>();
        services.AddHostedService<ConnectionCountHeartbeat>();
        services.AddSingleton<TcpRefusal>();
        services.AddSingleton<TcpConnectionHandler>();
        services.AddSingleton<TcpStreamListener>();
        services.AddHostedService(sp => sp.GetRequiredService<TcpStreamListener>());
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, KestrelListenSetup>();
        services.AddSingleton<IConfigureOptions<SocketTransportOptions>, SocketTransportSetup>();
        services.AddSingleton<ReceivedCounter>();
        services.AddSingleton<NodeStats>();
        services.AddSingleton<StatusReader>();
        services.AddHostedService<GatewayStatsReporter>();
        return builder;
    }
}
