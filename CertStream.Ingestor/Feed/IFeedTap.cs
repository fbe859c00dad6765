using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Health;
using CertStream.Ingestor.Serialization;

namespace CertStream.Ingestor.Feed;

/// <summary>
/// Where the live path hands the durable feed what it does. Registered only when the feed is on
/// (its users take it as an optional dependency), and never blocks: a feed that cannot keep up
/// falls behind and re-reads the CT log itself.
/// </summary>
public interface IFeedTap
{
    /// <summary>This replica starts following <paramref name="log"/>, whose live cursor is <paramref name="liveNextIndex"/> (null: none yet).</summary>
    Task AttachAsync(CtLogInfo log, long? liveNextIndex, CancellationToken ct);

    /// <summary>This replica stopped following <paramref name="log"/> (lease lost, shutdown).</summary>
    void Detach(CtLogInfo log);

    /// <summary>
    /// Entries of <paramref name="log"/> just delivered to the live streams, in index order:
    /// <paramref name="indices"/>[i] is the index of <paramref name="messages"/>[i]. Copies what it
    /// keeps: the messages' buffers are returned to their pool after the call.
    /// </summary>
    void Offer(CtLogInfo log, IReadOnlyList<long> indices, IReadOnlyList<SerializedCertificate> messages);

    /// <summary>The log's circuit moved from <paramref name="from"/> to <paramref name="to"/>.</summary>
    void HealthChanged(CtLogInfo log, CircuitState from, CircuitState to);
}
