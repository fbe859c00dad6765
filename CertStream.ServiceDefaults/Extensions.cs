using System.Diagnostics.Metrics;
using CertStream.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The Aspire service defaults (OpenTelemetry, health, service discovery, resilience), close to
/// the template, plus the project's own meters and the Prometheus <c>/metrics</c> endpoint.
/// </summary>
public static class Extensions
{
    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";
    private const string MetricsEndpointPath = "/metrics";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddBasicServiceDefaults();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddServiceDiscovery();
        });
        return builder;
    }

    /// <summary>Health and OpenTelemetry only: for services whose outgoing HTTP has its own retry policy.</summary>
    public static TBuilder AddBasicServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(TelemetryNames.All)
                    .AddView(FrameworkMetricStream)
                    .AddPrometheusExporter();
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(TelemetryNames.All)
                    .AddAspNetCoreInstrumentation(options =>
                        // Health probes and scrapes would drown the traces that matter.
                        options.Filter = context =>
                            !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                            && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath)
                            && !context.Request.Path.StartsWithSegments(MetricsEndpointPath))
                    .AddHttpClientInstrumentation();
            });

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// OpenTelemetry allocates each metric stream's points up front: 2,000 by default, ~144 KB per
    /// stream, 7.5 MB over the ~50 streams of the ingestor (a gcdump showed 52 MetricPoint arrays;
    /// issue 12). The framework's instruments (ASP.NET Core, Kestrel, HttpClient, runtime) have few
    /// label combinations (HttpClient's largest: one server.address per CT log host, times method,
    /// status and protocol), so they get 500; past it OpenTelemetry aggregates into an overflow point
    /// (otel.metric.overflow=true) rather than dropping. CertStream's own meters keep the default:
    /// their per-log series grow with the log list.
    /// </summary>
    private static MetricStreamConfiguration? FrameworkMetricStream(Instrument instrument) =>
        TelemetryNames.All.Contains(instrument.Meter.Name) ? null : new MetricStreamConfiguration { CardinalityLimit = FrameworkCardinalityLimit };

    private const int FrameworkCardinalityLimit = 500;

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>
    /// <c>/health</c>: readiness, every check (Redis included); plain <c>OK</c> as certstream clients
    /// and probes expect, JSON with <c>?detail=1</c>. <c>/alive</c>: liveness only.
    /// <c>/metrics</c>: Prometheus text.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions { ResponseWriter = HealthResponseWriter.WriteAsync });
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains("live"),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        });
        app.MapPrometheusScrapingEndpoint(MetricsEndpointPath);
        return app;
    }
}
