using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CertStream.Contracts;

namespace CertStream.Ingestor.Telemetry;

/// <summary>
/// The ingestor's OpenTelemetry instruments, all tagged with the log: entries published, decode
/// failures, lag (tree size minus cursor), request latency and errors, circuit state.
/// </summary>
public sealed class IngestorMetrics : IDisposable
{
    public static readonly ActivitySource ActivitySource = new(TelemetryNames.Ingestor);

    private readonly Meter _meter;
    private readonly Counter<long> _published;
    private readonly Counter<long> _decodeFailures;
    private readonly Counter<long> _requestErrors;
    private readonly Counter<long> _publishRetries;
    private readonly Counter<long> _skipped;
    private readonly Counter<long> _dedupFailures;
    private readonly Histogram<double> _requestDuration;
    private readonly ConcurrentDictionary<string, LogStatus> _logs = new(StringComparer.Ordinal);

    public IngestorMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(TelemetryNames.Ingestor);
        _published = _meter.CreateCounter<long>("certstream.ingestor.entries_published", "{entry}", "Entries serialized and published to Redis");
        _decodeFailures = _meter.CreateCounter<long>("certstream.ingestor.decode_failures", "{entry}", "Entries that could not be decoded and were skipped");
        _requestErrors = _meter.CreateCounter<long>("certstream.ingestor.request_errors", "{request}", "CT log requests that failed");
        _publishRetries = _meter.CreateCounter<long>("certstream.ingestor.publish_retries", "{attempt}", "Publish attempts repeated because Redis failed or the subscribers were not back yet");
        _skipped = _meter.CreateCounter<long>("certstream.ingestor.skipped_entries", "{entry}", "Backlog entries skipped as older than ct_log:catchup_max_age_secs (never published)");
        _dedupFailures = _meter.CreateCounter<long>("certstream.ingestor.dedup_check_failures", "{entry}", "Entries published as first seen because the dedup check in Redis failed");
        _requestDuration = _meter.CreateHistogram<double>("certstream.ingestor.request_duration", "s", "CT log request latency");
        _meter.CreateObservableGauge("certstream.ingestor.lag", ObserveLag, "{entry}", "Tree size minus the next index to fetch");
        _meter.CreateObservableGauge("certstream.ingestor.circuit_state", ObserveCircuit, "{state}", "0 healthy, 1 degraded, 2 open");
        _meter.CreateObservableGauge("certstream.ingestor.logs_followed", () => _logs.Count, "{log}", "Logs this replica holds the lease of");
    }

    public LogStatus Track(string logKey) => _logs.GetOrAdd(logKey, static k => new LogStatus(k));

    public void Untrack(string logKey) => _logs.TryRemove(logKey, out _);

    /// <summary>The logs followed now.</summary>
    public IEnumerable<LogStatus> Followed => _logs.Values;

    public void EntriesPublished(string logKey, int count)
    {
        _published.Add(count, new KeyValuePair<string, object?>("log", logKey));
        if (_logs.TryGetValue(logKey, out var status))
        {
            Interlocked.Add(ref status.Published, count);
        }
    }

    public void PublishRetried(string logKey) => _publishRetries.Add(1, new KeyValuePair<string, object?>("log", logKey));

    public void DedupCheckFailed(long count) => _dedupFailures.Add(count);

    public void EntriesSkipped(string logKey, long count) => _skipped.Add(count, new KeyValuePair<string, object?>("log", logKey));

    public void DecodeFailed(string logKey)
    {
        _decodeFailures.Add(1, new KeyValuePair<string, object?>("log", logKey));
        if (_logs.TryGetValue(logKey, out var status))
        {
            Interlocked.Increment(ref status.DecodeFailures);
        }
    }

    public void RecordRequest(string logKey, string endpoint, string outcome, TimeSpan duration)
    {
        var tags = new TagList { { "log", logKey }, { "endpoint", endpoint }, { "outcome", outcome } };
        _requestDuration.Record(duration.TotalSeconds, tags);
        if (outcome != "ok")
        {
            _requestErrors.Add(1, tags);
            if (_logs.TryGetValue(logKey, out var status))
            {
                Interlocked.Increment(ref status.RequestErrors);
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        foreach (var log in _logs.Values)
        {
            yield return new Measurement<long>(log.Lag, new KeyValuePair<string, object?>("log", log.Key));
        }
    }

    private IEnumerable<Measurement<int>> ObserveCircuit()
    {
        foreach (var log in _logs.Values)
        {
            yield return new Measurement<int>((int)log.Circuit, new KeyValuePair<string, object?>("log", log.Key));
        }
    }

    public void Dispose() => _meter.Dispose();
}
