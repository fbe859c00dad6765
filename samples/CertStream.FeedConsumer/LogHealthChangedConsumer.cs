using CertStream.Feed.Contracts;
using MassTransit;

namespace CertStream.FeedConsumer;

/// <summary>Logs when a CT log the ingestors follow becomes unhealthy or recovers.</summary>
public sealed partial class LogHealthChangedConsumer(ILogger<LogHealthChangedConsumer> logger) : IConsumer<LogHealthChanged>
{
    public Task Consume(ConsumeContext<LogHealthChanged> context)
    {
        var m = context.Message;
        HealthChanged(logger, m.LogName, m.Previous, m.Current);
        return Task.CompletedTask;
    }

    [LoggerMessage(5002, LogLevel.Information, "CT log {Log}: {Previous} -> {Current}")]
    private static partial void HealthChanged(ILogger logger, string log, string previous, string current);
}
