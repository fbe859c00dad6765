using CertStream.Contracts;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Dedup;
using CertStream.Ingestor.Feed;
using CertStream.Ingestor.Health;
using CertStream.Ingestor.Serialization;
using CertStream.Ingestor.Status;
using CertStream.Ingestor.Telemetry;
using StackExchange.Redis;

namespace CertStream.Ingestor.Publishing;

/// <summary>
/// Serializes each entry once per stream kind and PUBLISHes each (envelope header + JSON, with the
/// flags of the cluster-wide dedup check, <see cref="DedupCheck"/>) to that kind's channel
/// (through <see cref="ReplayPublisher"/>, which also keeps them for clients that resume);
/// the newest message of each kind is also kept for <c>/example.json</c>. Commands go out
/// pipelined on one connection, so a log's entries reach subscribers in index order. Returns
/// only when every message was delivered, so the caller may then move the cursor; until then it
/// retries with backoff (the log's pipeline waits, nothing is skipped). A message is delivered
/// when Redis took it and, right after a Redis outage, when it reached as many subscribers as
/// before the outage: the gateways re-subscribe on their own reconnect, which can come seconds
/// after this one, and what is published in between reaches nobody. That wait is bounded by
/// <see cref="ResubscribeGrace"/> (a gateway that did not come back must not stop the stream).
/// An entry whose certificate cannot be parsed is counted, logged with its index, and skipped.
/// </summary>
public sealed class EntryPublisher : IDisposable
{
    public static readonly TimeSpan ResubscribeGrace = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RetryBase = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryMax = TimeSpan.FromSeconds(5);
    private static readonly RedisChannel[] Channels = CreateChannels();
    private static readonly RedisKey[] ExampleKeys = CreateExampleKeys();

    private readonly IConnectionMultiplexer _redis;
    private readonly ReplayPublisher _replay;
    private readonly ICertificateMessageSerializer _serializer;
    private readonly IngestorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<EntryPublisher> _logger;
    private readonly IFeedTap? _feed;
    private readonly DedupCheck? _dedup;
    private readonly CertificateStore? _certStore;
    private readonly Lock _gate = new();
    private readonly long[] _lastReceivers = new long[StreamKinds.Count];
    private readonly long[] _expected = new long[StreamKinds.Count];
    private DateTimeOffset? _waitUntil; // set while subscribers are expected back: MaxValue until reconnected

    public EntryPublisher(IConnectionMultiplexer redis, ReplayPublisher replay, ICertificateMessageSerializer serializer, IngestorMetrics metrics,
        TimeProvider time, ILogger<EntryPublisher> logger, IFeedTap? feed = null, DedupCheck? dedup = null, CertificateStore? certStore = null)
    {
        _feed = feed;
        _dedup = dedup;
        _certStore = certStore is { Enabled: true } ? certStore : null;
        _redis = redis;
        _replay = replay;
        _serializer = serializer;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>
    /// Entries serialized and pipelined at once: their messages are held (pooled, ~10-30 KB an entry)
    /// until Redis took them all, so a window is published in parts of this many, not whole.
    /// </summary>
    public const int ChunkSize = 32;

    public async Task<int> PublishAsync(CtLogInfo log, IReadOnlyList<CtLogEntry> entries, CancellationToken ct = default)
    {
        var published = 0;
        for (var start = 0; start < entries.Count; start += ChunkSize)
        {
            published += await PublishChunkAsync(log, entries, start, Math.Min(ChunkSize, entries.Count - start), ct);
        }

        return published;
    }

    private async Task<int> PublishChunkAsync(CtLogInfo log, IReadOnlyList<CtLogEntry> entries, int start, int count, CancellationToken ct)
    {
        var serialized = new List<SerializedCertificate>(count);
        var indices = _feed is null ? null : new List<long>(count); // the durable feed's, when on
        var kept = _dedup is null ? null : new List<CtLogEntry>(count); // the dedup check's
        try
        {
            for (var i = start; i < start + count; i++)
            {
                var entry = entries[i];
                try
                {
                    serialized.Add(_serializer.Serialize(entry, log, _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0));
                    indices?.Add(entry.Index);
                    kept?.Add(entry);
                }
                catch (CtDecodeException ex)
                {
                    _metrics.DecodeFailed(log.Key);
                    IngestorLog.EntrySkipped(_logger, log.Key, entry.Index, ex.Message);
                }
            }

            if (serialized.Count == 0)
            {
                return 0;
            }

            if (_dedup is not null)
            {
                // Once per chunk, before the first attempt: a retry publishes the same flags.
                var flags = await _dedup.CheckAsync(kept!, serialized, ct);
                for (var i = 0; i < serialized.Count; i++)
                {
                    serialized[i].SetFlags(flags[i]);
                }
            }

            // Per stream kind, the first message not delivered yet: a retry resumes there, so what
            // was delivered is not sent twice and each channel keeps index order.
            var next = new int[StreamKinds.Count];
            for (var attempt = 1; ; attempt++)
            {
                var failure = await TryPublishAsync(serialized, next);
                if (failure is null)
                {
                    if (attempt > 1)
                    {
                        IngestorLog.PublishRecovered(_logger, log.Key, attempt);
                    }

                    break;
                }

                if (attempt == 1)
                {
                    IngestorLog.PublishFailed(_logger, log.Key, failure);
                }

                _metrics.PublishRetried(log.Key);
                await Task.Delay(Backoff.Delay(attempt, RetryBase, RetryMax), _time, ct);
            }

            _feed?.Offer(log, indices!, serialized); // copies what it keeps; never waits
            _certStore?.Offer(serialized); // likewise
            await SetExamplesAsync(serialized[^1]);
            _metrics.EntriesPublished(log.Key, serialized.Count);
            return serialized.Count;
        }
        finally
        {
            foreach (var message in serialized)
            {
                message.Dispose();
            }
        }
    }

    /// <summary>One pipelined attempt; returns null when everything is delivered, else why not. Returns only when every command completed.</summary>
    private async Task<string?> TryPublishAsync(List<SerializedCertificate> messages, int[] next)
    {
        var sent = new Task<long>[StreamKinds.Count][];
        var all = new List<Task>(messages.Count * StreamKinds.Count);
        for (var k = 0; k < StreamKinds.Count; k++)
        {
            sent[k] = new Task<long>[messages.Count];
        }

        for (var i = 0; i < messages.Count; i++)
        {
            for (var k = 0; k < StreamKinds.Count; k++)
            {
                if (i >= next[k])
                {
                    all.Add(sent[k][i] = _replay.PublishAsync((StreamKind)k, messages[i].GetPayload((StreamKind)k)));
                }
            }
        }

        // Only after every command completed (or failed): SE.Redis reads the pooled buffers while writing.
        await Task.WhenAll(all).ContinueWith(static _ => { }, TaskScheduler.Default);

        string? failure = null;
        var redisFailed = false;
        for (var k = 0; k < StreamKinds.Count; k++)
        {
            for (; next[k] < messages.Count; next[k]++)
            {
                var task = sent[k][next[k]];
                if (!task.IsCompletedSuccessfully)
                {
                    failure ??= task.Exception?.InnerException?.Message ?? "PUBLISH was cancelled";
                    redisFailed = true;
                    break;
                }

                if (!Delivered(k, task.Result, out var expected))
                {
                    failure ??= $"{Channels[k]} reached {task.Result} subscribers, {expected} before the Redis outage; waiting for them to subscribe again";
                    break;
                }
            }
        }

        // Noted after the messages that went out before the failure were counted: counting them
        // after would take their subscribers for the ones come back, and end the wait at once.
        if (redisFailed)
        {
            NoteRedisFailure();
        }

        return failure;
    }

    /// <summary>Whether a PUBLISH that reached <paramref name="receivers"/> subscribers counts as delivered.</summary>
    private bool Delivered(int kind, long receivers, out long expected)
    {
        lock (_gate)
        {
            expected = _expected[kind];
            if (_waitUntil is { } until && receivers < expected)
            {
                var now = _time.GetUtcNow();
                if (until == DateTimeOffset.MaxValue)
                {
                    // Redis answers again: the grace starts now (whether or not ConnectionRestored was raised yet).
                    _waitUntil = until = now + ResubscribeGrace;
                }

                if (now < until)
                {
                    return false;
                }

                IngestorLog.SubscriberWaitEnded(_logger, Channels[kind].ToString(), receivers, expected, (long)ResubscribeGrace.TotalSeconds);
                Array.Clear(_expected);
            }

            _expected[kind] = 0;
            if (_waitUntil is not null && Array.TrueForAll(_expected, static e => e == 0))
            {
                _waitUntil = null;
            }

            _lastReceivers[kind] = receivers;
            return true;
        }
    }

    private async Task SetExamplesAsync(SerializedCertificate newest)
    {
        var db = _redis.GetDatabase();
        var pending = new Task[StreamKinds.Count];
        for (var k = 0; k < StreamKinds.Count; k++)
        {
            pending[k] = db.StringSetAsync(ExampleKeys[k], newest.GetPayload((StreamKind)k)); // as published: the gateway strips the header
        }

        // Only /example.json reads these: a failure is not worth holding the stream for.
        await Task.WhenAll(pending).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    /// <summary>
    /// Redis failed a command of this replica (a publish, a cursor save): its subscribers will have
    /// to come back, as after ConnectionFailed, whose event may be raised late on a busy machine,
    /// after the reconnect and the first PUBLISHes that reached nobody.
    /// </summary>
    public void NoteRedisFailure() => OnConnectionFailed(null, null);

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs? e)
    {
        lock (_gate)
        {
            if (_waitUntil is null)
            {
                Array.Copy(_lastReceivers, _expected, _expected.Length);
            }

            _waitUntil = DateTimeOffset.MaxValue;
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        lock (_gate)
        {
            if (_waitUntil is not null)
            {
                _waitUntil = _time.GetUtcNow() + ResubscribeGrace;
            }
        }
    }

    public void Dispose()
    {
        _redis.ConnectionFailed -= OnConnectionFailed;
        _redis.ConnectionRestored -= OnConnectionRestored;
    }

    private static RedisChannel[] CreateChannels()
    {
        var channels = new RedisChannel[StreamKinds.Count];
        foreach (var kind in StreamKinds.All)
        {
            channels[(int)kind] = RedisChannel.Literal(RedisNames.StreamChannel(kind));
        }

        return channels;
    }

    private static RedisKey[] CreateExampleKeys()
    {
        var keys = new RedisKey[StreamKinds.Count];
        foreach (var kind in StreamKinds.All)
        {
            keys[(int)kind] = RedisNames.ExampleKey(kind);
        }

        return keys;
    }
}
