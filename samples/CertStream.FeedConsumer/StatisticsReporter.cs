using Microsoft.Extensions.Options;

namespace CertStream.FeedConsumer;

/// <summary>Logs the counts every ten seconds.</summary>
public sealed partial class StatisticsReporter(FeedStatistics statistics, IOptions<FeedConsumerOptions> options, TimeProvider time,
    ILogger<StatisticsReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Report(logger, options.Value.QueueName, statistics.Messages, statistics.Distinct, statistics.Duplicates, statistics.Matches);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(5000, LogLevel.Information, "{Queue}: {Messages} messages, {Distinct} certificates, {Duplicates} redelivered, {Matches} matches")]
    private static partial void Report(ILogger logger, string queue, long messages, long distinct, long duplicates, long matches);
}
