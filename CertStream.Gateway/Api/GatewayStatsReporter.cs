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
    ILogger<GatewayStatsReporter> logger) : RedisStatusReporter(redis, time)
{
    protected override TimeSpan Interval => options.Value.ReportInterval;

    protected override TimeSpan Ttl => options.Value.ReportTtl;

    protected override RedisKey ReportKey => RedisNames.GatewayStatusKey(stats.NodeId);

    protected override RedisKey Set => RedisNames.GatewayStatusSet;

    protected override string Member => stats.NodeId;

    protected override byte[] Report()
    {
        stats.UpdateRates();
        return JsonSerializer.SerializeToUtf8Bytes(stats.Current(), StatusJson.Default.GatewayStatusReport);
    }

    protected override void ReportFailed(string error) => GatewayLog.StatsReportFailed(logger, error);

    protected override void ReportRecovered() => GatewayLog.StatsReportRecovered(logger);
}
