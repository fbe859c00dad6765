using System.Collections.Concurrent;
using CertStream.Feed.Contracts;

namespace CertStream.FeedConsumer;

/// <summary>
/// Counts what arrived: messages, distinct certificates (by message id: a redelivery after a
/// publisher or broker restart carries the same id), and matches of the domain filter.
/// </summary>
public sealed class FeedStatistics : ICertificateObserver
{
    private readonly ConcurrentDictionary<Guid, byte> _seen = new();
    private long _messages;
    private long _matches;

    public long Messages => Interlocked.Read(ref _messages);

    public long Distinct => _seen.Count;

    public long Duplicates => Messages - Distinct;

    public long Matches => Interlocked.Read(ref _matches);

    public void Observe(Guid messageId, CertificateLogged message)
    {
        Interlocked.Increment(ref _messages);
        _seen.TryAdd(messageId, 0);
    }

    public void Matched() => Interlocked.Increment(ref _matches);
}
