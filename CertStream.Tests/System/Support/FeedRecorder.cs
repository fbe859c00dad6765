using CertStream.Feed.Contracts;
using CertStream.FeedConsumer;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.SystemTests.Support;

/// <summary>Everything the sample consumer handled: per log, each index with the message ids it came with.</summary>
public sealed class FeedRecorder : ICertificateObserver
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<long, List<Guid>>> _logs = new(StringComparer.Ordinal);

    public Pulse Changed { get; } = new();

    public void Observe(Guid messageId, CertificateLogged message)
    {
        lock (_gate)
        {
            if (!_logs.TryGetValue(message.LogUrl, out var indices))
            {
                _logs[message.LogUrl] = indices = [];
            }

            if (!indices.TryGetValue(message.Index, out var ids))
            {
                indices[message.Index] = ids = [];
            }

            ids.Add(messageId);
        }

        Changed.Fire();
    }

    /// <summary>How many indices of [<paramref name="from"/>, <paramref name="to"/>) of the log have not arrived.</summary>
    public long Missing(string logUrl, long from, long to)
    {
        lock (_gate)
        {
            if (!_logs.TryGetValue(logUrl, out var indices))
            {
                return to - from;
            }

            var missing = 0L;
            for (var i = from; i < to; i++)
            {
                missing += indices.ContainsKey(i) ? 0 : 1;
            }

            return missing;
        }
    }

    public long Count(string logUrl)
    {
        lock (_gate)
        {
            return _logs.TryGetValue(logUrl, out var indices) ? indices.Count : 0;
        }
    }

    /// <summary>Messages beyond the first for each index (redeliveries).</summary>
    public long Duplicates(string logUrl)
    {
        lock (_gate)
        {
            return _logs.TryGetValue(logUrl, out var indices) ? indices.Values.Sum(ids => ids.Count - 1L) : 0;
        }
    }

    /// <summary>Messages whose id is not the one derived from (log, index).</summary>
    public IReadOnlyList<string> WrongIds()
    {
        lock (_gate)
        {
            return [.. _logs.SelectMany(log => log.Value.SelectMany(entry => entry.Value
                .Where(id => id != FeedMessageId.For(log.Key, entry.Key))
                .Select(id => $"{log.Key}#{entry.Key}: {id}")))];
        }
    }

    public string Describe(string logUrl, long from, long to)
    {
        lock (_gate)
        {
            if (!_logs.TryGetValue(logUrl, out var indices) || indices.Count == 0)
            {
                return $"{logUrl}: nothing";
            }

            var gaps = new List<string>();
            long? gapStart = null;
            for (var i = from; i <= to; i++)
            {
                var has = i == to || indices.ContainsKey(i);
                if (!has && gapStart is null)
                {
                    gapStart = i;
                }
                else if (has && gapStart is { } g)
                {
                    gaps.Add($"[{g}, {i})");
                    gapStart = null;
                }
            }

            return $"{logUrl}: {indices.Count} indices from {indices.Keys.Min()} to {indices.Keys.Max()}, {Duplicates(logUrl)} redelivered; missing in [{from}, {to}): {(gaps.Count == 0 ? "none" : string.Join(' ', gaps.Take(20)))}";
        }
    }
}
