using System.Text.Json;
using CertStream.Contracts;
using CertStream.Contracts.Status;
using CertStream.Gateway.Telemetry;
using CertStream.ServiceDefaults.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CertStream.Gateway.Api;

/// <summary>
/// Every <c>status:report_interval_ms</c>, writes this node's stats to Redis (TTL three intervals)
/// and lists the node in <see cref="RedisNames.GatewayStatusSet"/>, for the cluster-wide
/// <c>/api/stats</c> of whichever node is asked. A failed write is logged once per outage.
/// </summary>
internal sealed class GatewayStatsReporter(
    IConnectionMultiplexer redis,
    NodeStats stats,
    IOptions<StatusOptions> options,
    TimeProvider time,
    ILogger<GatewayStatsReporter> logger) : BackgroundService
{
    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReportInterval, time);
        try
        {
            do
            {
                stats.UpdateRates();
                await WriteAsync(stats.Current());
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
            await RedisStatusReports.RemoveAsync(redis.GetDatabase(), RedisNames.GatewayStatusKey(stats.NodeId), RedisNames.GatewayStatusSet, stats.NodeId)
                .WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // The TTL removes it (the connection may be closed already when the host stops after a failed start).
        }
    }

    private async Task WriteAsync(GatewayStatusReport report)
    {
        try
        {
            await RedisStatusReports.WriteAsync(redis.GetDatabase(), RedisNames.GatewayStatusKey(report.Node), RedisNames.GatewayStatusSet, report.Node,
                JsonSerializer.SerializeToUtf8Bytes(report, StatusJson.Options), options.Value.ReportTtl, time.GetUtcNow());
            if (_failing)
            {
                _failing = false;
                GatewayLog.StatsReportRecovered(logger);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Best effort (Redis, a timeout, a connection disposed at shutdown): an exception leaving ExecuteAsync would stop the host.
            if (!_failing)
            {
                _failing = true;
                GatewayLog.StatsReportFailed(logger, ex.Message);
            }
        }
    }
}
