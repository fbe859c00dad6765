using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace CertStream.ServiceDefaults.Redis;

/// <summary>
/// The loop of every process that publishes its status for the others (ingestor replicas, gateway
/// nodes): at start and then every <see cref="Interval"/>, its report goes to Redis through
/// <see cref="RedisStatusReports"/> with a TTL; on a clean stop it is removed at once. A failed write
/// is reported once per outage (each service logs it with its own event ids) and never stops the
/// host: only the status API reads these reports.
/// </summary>
public abstract class RedisStatusReporter(IConnectionMultiplexer redis, TimeProvider time) : BackgroundService
{
    private bool _failing;

    /// <summary>The process's clock (the reports' timestamps, the interval).</summary>
    protected TimeProvider Time => time;

    protected abstract TimeSpan Interval { get; }

    protected abstract TimeSpan Ttl { get; }

    protected abstract RedisKey ReportKey { get; }

    /// <summary>The sorted set listing the reporting processes.</summary>
    protected abstract RedisKey Set { get; }

    /// <summary>This process's id in <see cref="Set"/>.</summary>
    protected abstract string Member { get; }

    /// <summary>The report as of now, serialized.</summary>
    protected abstract byte[] Report();

    /// <summary>A write failed after the previous one succeeded.</summary>
    protected abstract void ReportFailed(string error);

    /// <summary>A write succeeded after failures.</summary>
    protected abstract void ReportRecovered();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                await WriteAsync(Report());
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // Gone at once rather than after the TTL: readers stop showing this process at once.
            await RedisStatusReports.RemoveAsync(redis.GetDatabase(), ReportKey, Set, Member).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // The TTL removes it (the connection may be closed already when the host stops after a failed start).
        }
    }

    private async Task WriteAsync(byte[] report)
    {
        try
        {
            await RedisStatusReports.WriteAsync(redis.GetDatabase(), ReportKey, Set, Member, report, Ttl, time.GetUtcNow());
            if (_failing)
            {
                _failing = false;
                ReportRecovered();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Best effort (Redis, a timeout, a connection disposed at shutdown): an exception leaving ExecuteAsync would stop the host.
            if (!_failing)
            {
                _failing = true;
                ReportFailed(ex.Message);
            }
        }
    }
}
