using CertStream.FeedConsumer.Telemetry;
using Microsoft.Extensions.Options;

namespace CertStream.FeedConsumer;

/// <summary>Logs the counts every ten seconds.</summary>
public sealed class StatisticsReporter(FeedStatistics statistics, IOptions<FeedConsumerOptions> options, TimeProvider time,
    ILogger<StatisticsReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                FeedConsumerLog.Statistics(logger, options.Value.QueueName, statistics.Messages, statistics.Distinct, statistics.Duplicates, statistics.Matches);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
