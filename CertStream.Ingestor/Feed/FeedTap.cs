using System.Threading.Channels;
using CertStream.Contracts;
using CertStream.Feed.Contracts;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Health;
using CertStream.Ingestor.Serialization;
using CertStream.Ingestor.Telemetry;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Feed;

/// <summary>
/// Takes what the live path delivered into the feed's bounded backlog, in index order per log,
/// without ever waiting: when the backlog is full (RabbitMQ down or slow) or an entry is missing,
/// the log's feed falls behind, and a background task re-reads the gap from the CT log (waiting
/// for room) until the feed has caught up with the live path again.
/// </summary>
public sealed class FeedTap(
    FeedQueue queue,
    FeedLogs logs,
    FeedCursorStore cursors,
    FeedGapReader gaps,
    FeedMetrics metrics,
    IOptions<FeedOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<FeedTap> logger) : IFeedTap
{
    private static readonly TimeSpan RetryBase = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RetryMax = TimeSpan.FromSeconds(10);

    private readonly Channel<LogHealthChanged> _health = Channel.CreateBounded<LogHealthChanged>(
        new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>Health changes to publish (best effort: the oldest are dropped when RabbitMQ is away long).</summary>
    public ChannelReader<LogHealthChanged> HealthChanges => _health.Reader;

    public async Task AttachAsync(CtLogInfo log, long? liveNextIndex, CancellationToken ct)
    {
        var cursor = await cursors.LoadAsync(log.Key).WaitAsync(ct);
        if (cursor is null && liveNextIndex is { } live)
        {
            // The feed of this log starts where the live stream is now.
            await cursors.InitializeAsync(log.Key, live).WaitAsync(ct);
            cursor = await cursors.LoadAsync(log.Key).WaitAsync(ct) ?? live;
        }

        var feed = new FeedLog(log);
        lock (feed.Gate)
        {
            feed.Queued = cursor ?? -1;
            feed.Confirmed = cursor ?? -1;
            feed.Frontier = liveNextIndex ?? -1;
            feed.Attached = true;
            if (logs.TryGet(log.Key, out var previous))
            {
                Detach(previous);
            }

            logs.Set(feed);
            if (cursor is { } c && liveNextIndex is { } l && c < l)
            {
                FallBehind(feed, "the live cursor is ahead of the feed cursor");
            }
        }

        IngestorLog.FeedAttached(logger, log.Key, cursor ?? -1, liveNextIndex ?? -1);
    }

    public void Detach(CtLogInfo log)
    {
        if (logs.TryGet(log.Key, out var feed))
        {
            Detach(feed);
        }
    }

    public void Offer(CtLogInfo log, IReadOnlyList<long> indices, IReadOnlyList<SerializedCertificate> messages)
    {
        if (indices.Count == 0 || !logs.TryGet(log.Key, out var feed))
        {
            return;
        }

        var first = indices[0];
        var last = indices[^1];
        var initialize = false;
        lock (feed.Gate)
        {
            if (!feed.Attached)
            {
                return;
            }

            feed.Frontier = Math.Max(feed.Frontier, last + 1);
            if (feed.Behind)
            {
                return; // the gap reader takes these from the CT log
            }

            if (feed.Queued < 0)
            {
                feed.Queued = first;
                initialize = true;
            }

            if (last < feed.Queued)
            {
                return; // already queued (a live round repeated after a failure)
            }

            if (first > feed.Queued)
            {
                FallBehind(feed, $"entries [{feed.Queued}, {first}) did not come through the live streams");
                return;
            }

            var start = 0;
            while (indices[start] < feed.Queued)
            {
                start++;
            }

            if (!queue.TryReserve(indices.Count - start))
            {
                FallBehind(feed, "the backlog is full");
                return;
            }

            for (var i = start; i < indices.Count; i++)
            {
                queue.Write(new FeedItem(feed, indices[i], indices[i] + 1, messages[i].Get(StreamKind.Full).ToArray()));
            }

            feed.Queued = last + 1;
        }

        if (initialize)
        {
            _ = InitializeAsync(log.Key, first);
        }
    }

    public void HealthChanged(CtLogInfo log, CircuitState from, CircuitState to) =>
        _health.Writer.TryWrite(new LogHealthChanged
        {
            LogUrl = log.Url,
            LogName = log.Name,
            Previous = Name(from),
            Current = Name(to),
            ChangedAt = time.GetUtcNow(),
        });

    private static string Name(CircuitState state) => state.ToString().ToLowerInvariant();

    private void Detach(FeedLog feed)
    {
        lock (feed.Gate)
        {
            feed.Attached = false;
            feed.Behind = false;
            feed.Refetch?.Cancel();
            feed.Refetch?.Dispose();
            feed.Refetch = null;
        }

        logs.Remove(feed);
    }

    /// <summary>Called with the log's lock held.</summary>
    private void FallBehind(FeedLog feed, string reason)
    {
        feed.Behind = true;
        metrics.FellBehind(feed.Info.Key);
        IngestorLog.FeedFellBehind(logger, feed.Info.Key, feed.Queued, feed.Frontier, reason);
        var cts = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);
        feed.Refetch = cts;
        _ = Task.Run(() => CatchUpAsync(feed, cts.Token), CancellationToken.None);
    }

    /// <summary>Re-reads [Queued, Frontier) from the CT log, a batch at a time, until the feed meets the live path.</summary>
    private async Task CatchUpAsync(FeedLog feed, CancellationToken ct)
    {
        var chunk = Math.Min(Math.Max(options.Value.BatchSize, TilePath.Width), queue.Capacity);
        var failures = 0;
        try
        {
            while (true)
            {
                long from, to;
                lock (feed.Gate)
                {
                    if (!feed.Attached || ct.IsCancellationRequested)
                    {
                        return;
                    }

                    from = feed.Queued;
                    to = feed.Frontier;
                    if (from >= to)
                    {
                        feed.Behind = false;
                        feed.Refetch?.Dispose();
                        feed.Refetch = null;
                        IngestorLog.FeedCaughtUp(logger, feed.Info.Key, from);
                        return;
                    }
                }

                to = Math.Min(to, from + chunk);
                List<(long Index, byte[]? Json)> entries;
                try
                {
                    entries = await gaps.ReadAsync(feed.Info, from, to, ct);
                    failures = 0;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failures++;
                    IngestorLog.FeedRefetchFailed(logger, feed.Info.Key, from, to, failures, ex.Message);
                    await Task.Delay(Backoff.Delay(failures, RetryBase, RetryMax), time, ct);
                    continue;
                }

                await queue.ReserveAsync(entries.Count, ct);
                lock (feed.Gate)
                {
                    if (!feed.Attached)
                    {
                        queue.Release(entries.Count);
                        return;
                    }

                    for (var i = 0; i < entries.Count; i++)
                    {
                        // The last item carries the range's end: entries missing from the log's answer were skipped as undecodable there too.
                        var next = i == entries.Count - 1 ? to : entries[i].Index + 1;
                        queue.Write(new FeedItem(feed, entries[i].Index, next, entries[i].Json));
                    }

                    feed.Queued = to;
                }

                metrics.Refetched(feed.Info.Key, entries.Count);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task InitializeAsync(string logKey, long next)
    {
        try
        {
            await cursors.InitializeAsync(logKey, next);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            // The first confirmed batch saves the cursor anyway.
            IngestorLog.FeedCursorSaveFailed(logger, logKey, next, ex.Message);
        }
    }
}
