using CertStream.Feed.Contracts;
using CertStream.Ingestor.Health;
using CertStream.Ingestor.Telemetry;
using MassTransit;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CertStream.Ingestor.Feed;

/// <summary>
/// Drains the feed's backlog in batches: publishes each batch to RabbitMQ through MassTransit
/// (persistent messages, publisher confirms), waits until every message of it is confirmed
/// (repeating only those that failed), then moves the feed cursors of its logs in Redis and gives
/// the room back. One batch at a time, so a cursor never passes an unconfirmed entry; the ids
/// come from (log, index), so a message sent twice carries the same id.
/// </summary>
public sealed class FeedPublisher(
    FeedQueue queue,
    FeedTap tap,
    FeedCursorStore cursors,
    FeedMetrics metrics,
    IBus bus,
    IOptions<FeedOptions> options,
    TimeProvider time,
    ILogger<FeedPublisher> logger) : BackgroundService
{
    private static readonly TimeSpan RetryBase = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RetryMax = TimeSpan.FromSeconds(10);

    // Cursors confirmed but not saved yet (Redis failed): saved with the next batch.
    private readonly Dictionary<string, long> _unsaved = new(StringComparer.Ordinal);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(PublishCertificatesAsync(stoppingToken), PublishHealthAsync(stoppingToken));

    private async Task PublishCertificatesAsync(CancellationToken ct)
    {
        var o = options.Value;
        IngestorLog.FeedStarted(logger, bus.Address.Host, o.QueueCapacity, o.BatchSize);
        var batch = new List<FeedItem>(o.BatchSize);
        try
        {
            while (await queue.Reader.WaitToReadAsync(ct))
            {
                batch.Clear();
                while (batch.Count < o.BatchSize && queue.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                await PublishConfirmedAsync(batch, ct);
                foreach (var item in batch)
                {
                    _unsaved[item.Log.Info.Key] = _unsaved.TryGetValue(item.Log.Info.Key, out var saved) ? Math.Max(saved, item.NextCursor) : item.NextCursor;
                    lock (item.Log.Gate)
                    {
                        item.Log.Confirmed = Math.Max(item.Log.Confirmed, item.NextCursor);
                    }
                }

                await SaveCursorsAsync();
                queue.Release(batch.Count);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // What was not confirmed is sent again after the restart, from the saved cursors.
        }
    }

    /// <summary>Returns once every message of the batch is confirmed; until then repeats the failed ones with backoff.</summary>
    private async Task PublishConfirmedAsync(List<FeedItem> batch, CancellationToken ct)
    {
        var pending = new List<(CertificateLogged Message, Guid Id)>(batch.Count);
        foreach (var item in batch)
        {
            if (item.Json is { } json)
            {
                var log = item.Log.Info;
                pending.Add((CertificateLoggedFactory.Create(log.Url, log.Name, item.Index, json), FeedMessageId.For(log.Url, item.Index)));
            }
        }

        var timeout = TimeSpan.FromSeconds(options.Value.PublishTimeoutSecs);
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(timeout);
            var sends = new Task[pending.Count];
            for (var i = 0; i < pending.Count; i++)
            {
                var id = pending[i].Id;
                sends[i] = bus.Publish(pending[i].Message, context => context.MessageId = id, cts.Token);
            }

            metrics.Published(sends.Length);
            await Task.WhenAll(sends).ContinueWith(static _ => { }, TaskScheduler.Default);
            ct.ThrowIfCancellationRequested();

            var failed = new List<(CertificateLogged, Guid)>();
            string? error = null;
            for (var i = 0; i < sends.Length; i++)
            {
                if (!sends[i].IsCompletedSuccessfully)
                {
                    failed.Add(pending[i]);
                    error ??= sends[i].Exception?.GetBaseException().Message ?? $"not confirmed within {timeout.TotalSeconds:0} s";
                }
            }

            metrics.Confirmed(sends.Length - failed.Count);
            if (failed.Count == 0)
            {
                if (attempt > 1)
                {
                    IngestorLog.FeedPublishRecovered(logger, attempt);
                }

                return;
            }

            metrics.Failed(failed.Count);
            IngestorLog.FeedPublishFailed(logger, failed.Count, attempt, error!);
            pending = failed;
            await Task.Delay(Backoff.Delay(attempt, RetryBase, RetryMax), time, ct);
        }
    }

    private async Task SaveCursorsAsync()
    {
        foreach (var (logKey, next) in _unsaved.ToList())
        {
            try
            {
                await cursors.SaveAsync(logKey, next);
                _unsaved.Remove(logKey);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Kept for the next batch: until then a restart would only send these entries again.
                IngestorLog.FeedCursorSaveFailed(logger, logKey, next, ex.Message);
            }
        }
    }

    /// <summary>Log health changes, best effort (no confirms awaited in order, no cursor).</summary>
    private async Task PublishHealthAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var change in tap.HealthChanges.ReadAllAsync(ct))
            {
                try
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    cts.CancelAfter(TimeSpan.FromSeconds(options.Value.PublishTimeoutSecs));
                    await bus.Publish(change, cts.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    IngestorLog.FeedHealthPublishFailed(logger, change.LogUrl, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
