using CertStream.Ingestor.Ct;

namespace CertStream.Ingestor.Feed;

/// <summary>
/// The feed's state of one followed log, guarded by <see cref="Gate"/>. Indices below
/// <see cref="Queued"/> are queued or confirmed; <see cref="Frontier"/> is how far the live path
/// has delivered. While <see cref="Behind"/>, the live path's entries are not taken: the gap
/// [Queued, Frontier) is re-read from the CT log until the feed has caught up.
/// </summary>
public sealed class FeedLog(CtLogInfo info)
{
    public Lock Gate { get; } = new();

    public CtLogInfo Info => info;

    /// <summary>The next index not queued yet; -1 until known (a log with neither feed nor live cursor starts at its first live entry).</summary>
    public long Queued { get; set; } = -1;

    /// <summary>One past the newest entry the live path delivered; -1 before the first.</summary>
    public long Frontier { get; set; } = -1;

    /// <summary>The feed cursor last saved (-1: none yet).</summary>
    public long Confirmed { get; set; } = -1;

    public bool Behind { get; set; }

    public bool Attached { get; set; }

    /// <summary>Stops the re-reading of a gap (detach, shutdown).</summary>
    public CancellationTokenSource? Refetch { get; set; }

    /// <summary>Entries the feed still owes this log: from the saved cursor to the live frontier.</summary>
    public long Lag
    {
        get
        {
            lock (Gate)
            {
                return Confirmed >= 0 && Frontier > Confirmed ? Frontier - Confirmed : 0;
            }
        }
    }
}
