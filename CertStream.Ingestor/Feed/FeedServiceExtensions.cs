using MassTransit;
using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace CertStream.Ingestor.Feed;

/// <summary>
/// Registers the durable feed: MassTransit on RabbitMQ (publisher confirms), the backlog, the tap
/// the live path hands entries to, and the publisher. Called only when the feed is on: this is the
/// only type of the ingestor whose loading brings in MassTransit, together with
/// <see cref="FeedPublisher"/> which it registers.
/// </summary>
public static class FeedServiceExtensions
{
    public static void AddCertStreamFeed(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var connectionString = builder.Configuration.GetConnectionString(FeedOptions.ConnectionName)!;
        services.AddCertStreamOptions<FeedOptions, FeedOptionsValidator>(FeedOptions.Section);
        services.AddSingleton(sp => new FeedQueue(sp.GetRequiredService<IOptions<FeedOptions>>().Value.QueueCapacity));
        services.AddSingleton<FeedLogs>();
        services.AddSingleton<FeedMetrics>();
        services.AddSingleton<FeedCursorStore>();
        services.AddSingleton<FeedGapReader>();
        services.AddSingleton<FeedTap>();
        services.AddSingleton<IFeedTap>(sp => sp.GetRequiredService<FeedTap>());
        services.AddHostedService<FeedPublisher>();

        services.AddMassTransit(x =>
        {
            // RabbitMQ being away must not make the ingestor unready: the live streams go on and
            // the feed catches up later. The bus check reports Degraded (still 200) instead.
            x.ConfigureHealthCheckOptions(o => o.MinimalFailureStatus = HealthStatus.Degraded);
            x.UsingRabbitMq((_, cfg) => cfg.Host(new Uri(connectionString), h => h.PublisherConfirmation = true));
        });

        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(DiagnosticHeaders.DefaultListenerName));
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(InstrumentationOptions.MeterName));
    }
}
