using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CertStream.Contracts;

namespace CertStream.Ingestor.Feed;

/// <summary>
/// The durable feed's instruments (meter of the ingestor): messages published and confirmed,
/// failed publishes, entries re-read from CT logs, times a log fell behind, the backlog held and
/// each log's lag behind the live path.
/// </summary>
public sealed class FeedMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _published;
    private readonly Counter<long> _confirmed;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _refetched;
    private readonly Counter<long> _fellBehind;

    public FeedMetrics(IMeterFactory meterFactory, FeedQueue queue, FeedLogs logs)
    {
        _meter = meterFactory.Create(TelemetryNames.Ingestor);
        _published = _meter.CreateCounter<long>("certstream.ingestor.feed.published", "{message}", "Certificate messages sent to RabbitMQ (repeats after a failure included)");
        _confirmed = _meter.CreateCounter<long>("certstream.ingestor.feed.confirmed", "{message}", "Certificate messages RabbitMQ confirmed");
        _failures = _meter.CreateCounter<long>("certstream.ingestor.feed.failures", "{message}", "Certificate messages whose publish failed or was not confirmed in time (sent again)");
        _refetched = _meter.CreateCounter<long>("certstream.ingestor.feed.refetched", "{entry}", "Entries the feed re-read from a CT log because it had fallen behind the live streams");
        _fellBehind = _meter.CreateCounter<long>("certstream.ingestor.feed.fell_behind", "{event}", "Times a log's feed fell behind the live streams (full backlog, restart gap)");
        _meter.CreateObservableGauge("certstream.ingestor.feed.backlog", () => queue.Count, "{entry}", "Entries held for the feed: queued plus the batch awaiting confirms");
        _meter.CreateObservableGauge("certstream.ingestor.feed.lag", () => ObserveLag(logs), "{entry}", "Entries a log's feed cursor is behind its live stream");
    }

    public void Published(int count) => _published.Add(count);

    public void Confirmed(int count) => _confirmed.Add(count);

    public void Failed(int count) => _failures.Add(count);

    public void Refetched(string logKey, int count) => _refetched.Add(count, new KeyValuePair<string, object?>("log", logKey));

    public void FellBehind(string logKey) => _fellBehind.Add(1, new KeyValuePair<string, object?>("log", logKey));

    private static IEnumerable<Measurement<long>> ObserveLag(FeedLogs logs)
    {
        foreach (var log in logs.All)
        {
            yield return new Measurement<long>(log.Lag, new KeyValuePair<string, object?>("log", log.Info.Key));
        }
    }

    public void Dispose() => _meter.Dispose();
}

/// <summary>The logs this replica feeds now.</summary>
public sealed class FeedLogs
{
    private readonly ConcurrentDictionary<string, FeedLog> _logs = new(StringComparer.Ordinal);

    public IEnumerable<FeedLog> All => _logs.Values;

    public bool TryGet(string logKey, out FeedLog log) => _logs.TryGetValue(logKey, out log!);

    public void Set(FeedLog log) => _logs[log.Info.Key] = log;

    public void Remove(FeedLog log) => _logs.TryRemove(new KeyValuePair<string, FeedLog>(log.Info.Key, log));
}
