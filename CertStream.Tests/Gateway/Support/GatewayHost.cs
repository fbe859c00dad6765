using CertStream.Gateway;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Transports.Tcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CertStream.Tests.Gateway.Support;

/// <summary>
/// A real gateway node in the test process: the production wiring (<c>AddGateway</c>,
/// <c>MapGatewayEndpoints</c>) on real Kestrel sockets at 127.0.0.1 on a free port, talking to the
/// given Redis. Defaults for tests: all three protocols on, TCP on a free port, no flush interval
/// (every message is written at once, so nothing depends on a timer unless a test wants it).
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayHost(WebApplication app)
    {
        _app = app;
        HttpUri = new Uri(app.Urls.First());
    }

    /// <summary>Base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri HttpUri { get; }

    /// <summary>The raw TCP stream's port (when <c>protocols:tcp</c> is on).</summary>
    public int TcpPort => _app.Services.GetRequiredService<TcpStreamListener>().Port ?? throw new InvalidOperationException("TCP is off");

    public IServiceProvider Services => _app.Services;

    internal StreamHub Hub => _app.Services.GetRequiredService<StreamHub>();

    /// <summary>
    /// Builds and starts a node. <paramref name="settings"/> are configuration keys as in the YAML
    /// file (<c>buffer_size</c>, <c>protocols:sse</c>, <c>gateway:heartbeat_interval_secs</c>, ...)
    /// and override the test defaults (a null value removes a test default, leaving the product's);
    /// <paramref name="time"/> replaces the node's clock; <paramref name="logs"/>, when given, receives
    /// the node's log at every level; <paramref name="shutdownTimeout"/> (default 10 s) bounds how long
    /// stopping waits for handlers.
    /// </summary>
    public static async Task<GatewayHost> StartAsync(
        string redisConnectionString,
        IReadOnlyDictionary<string, string?>? settings = null,
        TimeProvider? time = null,
        CancellationToken cancellationToken = default,
        ILoggerProvider? logs = null,
        TimeSpan? shutdownTimeout = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        var config = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redisConnectionString,
            ["urls"] = "http://127.0.0.1:0",
            ["host"] = "127.0.0.1",
            ["protocols:websocket"] = "true",
            ["protocols:sse"] = "true",
            ["protocols:tcp"] = "true",
            ["protocols:tcp_port"] = "0",
            ["gateway:flush_interval_ms"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                config.Remove(key); // null: leave the setting to the product's default
            }
            else
            {
                config[key] = value;
            }
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("CERTSTREAM_TEST_GATEWAY_LOG") is { Length: > 0 } logFile)
        {
            // Debugging aid: CERTSTREAM_TEST_GATEWAY_LOG=/tmp/gateway.log appends the nodes' logs there.
            var file = new FileLoggerProvider(logFile);
            builder.Logging.AddProvider(file);
            EveryLevelTo(builder, file, LogLevel.Debug);
        }

        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            EveryLevelTo(builder, logs, LogLevel.Trace);
        }

        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.AddGateway();
        // A test that leaves a client hanging must not wait out the default 30 s.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(10));
        // The exporter caches a scrape for 300 ms; tests scrape right after what they check.
        builder.Services.Configure<OpenTelemetry.Exporter.PrometheusAspNetCoreOptions>(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
        var app = builder.Build();
        app.MapGatewayEndpoints();
        await app.StartAsync(cancellationToken);
        return new GatewayHost(app);
    }

    /// <summary>
    /// A rule for this provider alone: the product's log_level filters (AddGateway) are rules for
    /// every provider, and a provider's own rule wins over those whatever the category.
    /// </summary>
    private static void EveryLevelTo(WebApplicationBuilder builder, ILoggerProvider provider, LogLevel level) =>
        builder.Services.Configure<LoggerFilterOptions>(o => o.Rules.Add(new LoggerFilterRule(provider.GetType().FullName, null, level, null)));

    public Uri WebSocketUri(string path) => new($"ws://{HttpUri.Authority}{path}");

    public Uri Http(string pathAndQuery) => new(HttpUri, pathAndQuery);

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
