using System.Text.Json;
using CertStream.Contracts;
using CertStream.Contracts.Status;
using CertStream.Ingestor.Coordination;
using CertStream.Ingestor.Health;
using CertStream.Ingestor.Telemetry;
using CertStream.ServiceDefaults.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CertStream.Ingestor.Status;

/// <summary>
/// Every <c>status:report_interval_ms</c>, writes this replica's <see cref="IngestorStatusReport"/>
/// (every log of its list, with the live numbers of those it follows) to Redis with a TTL of three
/// intervals, and lists the replica in <see cref="RedisNames.IngestorStatusSet"/>. Only the API
/// reads it: a failed write is logged (once per outage) and never touches the stream.
/// </summary>
public sealed class IngestorStatusReporter(
    IConnectionMultiplexer redis,
    IngestorMetrics metrics,
    LogCatalog catalog,
    IngestorIdentity identity,
    IOptions<StatusOptions> options,
    TimeProvider time,
    ILogger<IngestorStatusReporter> logger) : RedisStatusReporter(redis, time)
{
    private readonly Dictionary<string, long> _lastPublished = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private long _lastTimestamp = time.GetTimestamp();

    protected override TimeSpan Interval => options.Value.ReportInterval;

    protected override TimeSpan Ttl => options.Value.ReportTtl;

    protected override RedisKey ReportKey => RedisNames.IngestorStatusKey(identity.Id);

    protected override RedisKey Set => RedisNames.IngestorStatusSet;

    protected override string Member => identity.Id;

    protected override byte[] Report() => JsonSerializer.SerializeToUtf8Bytes(Build(), StatusJson.Default.IngestorStatusReport);

    protected override void ReportFailed(string error) => IngestorLog.StatusReportFailed(logger, error);

    protected override void ReportRecovered() => IngestorLog.StatusReportRecovered(logger);

    /// <summary>The report as of now; rates are over the time since the previous one.</summary>
    internal IngestorStatusReport Build()
    {
        var now = Time.GetTimestamp();
        var seconds = Math.Max(Time.GetElapsedTime(_lastTimestamp, now).TotalSeconds, 0.001);
        _lastTimestamp = now;
        var followed = new Dictionary<string, LogStatus>(StringComparer.Ordinal);
        foreach (var status in metrics.Followed)
        {
            followed[status.Key] = status;
        }

        var logs = new List<LogStatusReport>(catalog.Logs.Count);
        long total = 0, delta = 0;
        foreach (var log in catalog.Logs)
        {
            var report = new LogStatusReport
            {
                Key = log.Key, Name = log.Name, Url = log.Url, Type = log.TypeName, Operator = log.Operator, State = log.State,
            };
            if (followed.Remove(log.Key, out var status))
            {
                report = WithNumbers(report, status, seconds, ref total, ref delta);
            }

            logs.Add(report);
        }

        // Followed but no longer in the list (dropped, its worker stopping): still shown while it runs.
        foreach (var status in followed.Values)
        {
            logs.Add(WithNumbers(new LogStatusReport { Key = status.Key }, status, seconds, ref total, ref delta));
        }

        foreach (var key in _lastPublished.Keys.Except(logs.Where(l => l.Following).Select(l => l.Key)).ToList())
        {
            _lastPublished.Remove(key);
        }

        // The sum of the logs' own deltas: a log handed to another replica takes its count along without a negative rate.
        var rate = delta / seconds;
        var wall = Time.GetUtcNow();
        return new IngestorStatusReport
        {
            Id = identity.Id,
            Started = _started.ToUnixTimeMilliseconds() / 1000.0,
            Updated = wall.ToUnixTimeMilliseconds() / 1000.0,
            CertificatesPerSecond = Math.Round(rate, 2),
            Published = total,
            LogsFollowed = logs.Count(l => l.Following),
            Logs = logs,
        };
    }

    private LogStatusReport WithNumbers(LogStatusReport report, LogStatus status, double seconds, ref long total, ref long delta)
    {
        var published = Volatile.Read(ref status.Published);
        var previous = _lastPublished.TryGetValue(status.Key, out var p) ? p : published;
        _lastPublished[status.Key] = published;
        total += published;
        delta += Math.Max(0, published - previous);
        return report with
        {
            Following = true,
            Ingestor = identity.Id,
            TreeSize = Volatile.Read(ref status.TreeSize),
            NextIndex = Volatile.Read(ref status.NextIndex),
            Lag = status.Lag,
            Published = published,
            CertificatesPerSecond = Math.Round(Math.Max(0, published - previous) / seconds, 2),
            DecodeFailures = Volatile.Read(ref status.DecodeFailures),
            RequestErrors = Volatile.Read(ref status.RequestErrors),
            Circuit = CircuitName(status.Circuit),
            IntegrityFailure = status.IntegrityFailure,
        };
    }

    private static string CircuitName(CircuitState state) => state switch
    {
        CircuitState.Open => "open",
        CircuitState.Degraded => "degraded",
        _ => "healthy",
    };
}
