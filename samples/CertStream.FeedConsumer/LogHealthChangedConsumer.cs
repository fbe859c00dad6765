using CertStream.Feed.Contracts;
using CertStream.FeedConsumer.Telemetry;
using MassTransit;

namespace CertStream.FeedConsumer;

/// <summary>Logs when a CT log the ingestors follow becomes unhealthy or recovers.</summary>
public sealed class LogHealthChangedConsumer(ILogger<LogHealthChangedConsumer> logger) : IConsumer<LogHealthChanged>
{
    public Task Consume(ConsumeContext<LogHealthChanged> context)
    {
        var m = context.Message;
        FeedConsumerLog.HealthChanged(logger, m.LogName, m.Previous, m.Current);
        return Task.CompletedTask;
    }
}
