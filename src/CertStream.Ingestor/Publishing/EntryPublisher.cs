using CertStream.Contracts;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Serialization;
using CertStream.Ingestor.Telemetry;
using StackExchange.Redis;

namespace CertStream.Ingestor.Publishing;

/// <summary>
/// Serializes each entry once per stream kind and PUBLISHes the bytes to that kind's channel;
/// the newest message of each kind is also kept for <c>/example.json</c>. Commands go out
/// pipelined on one connection, so a log's entries reach subscribers in index order. Returns
/// only when Redis has taken every message, so the caller may then move the cursor.
/// An entry whose certificate cannot be parsed is counted, logged with its index, and skipped.
/// </summary>
public sealed class EntryPublisher(
    IConnectionMultiplexer redis,
    ICertificateMessageSerializer serializer,
    IngestorMetrics metrics,
    TimeProvider time,
    ILogger<EntryPublisher> logger)
{
    private static readonly RedisChannel[] Channels = CreateChannels();
    private static readonly RedisKey[] ExampleKeys = CreateExampleKeys();

    public async Task<int> PublishAsync(CtLogInfo log, IReadOnlyList<CtLogEntry> entries)
    {
        if (entries.Count == 0)
        {
            return 0;
        }

        var subscriber = redis.GetSubscriber();
        var db = redis.GetDatabase();
        var serialized = new List<SerializedCertificate>(entries.Count);
        var pending = new List<Task>(entries.Count * StreamKinds.Count + StreamKinds.Count);
        try
        {
            for (var i = 0; i < entries.Count; i++)
            {
                var entry = entries[i];
                SerializedCertificate message;
                try
                {
                    message = serializer.Serialize(entry, log, time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
                }
                catch (CtDecodeException ex)
                {
                    metrics.DecodeFailed(log.Key);
                    Log.EntrySkipped(logger, log.Key, entry.Index, ex.Message);
                    continue;
                }

                serialized.Add(message);
                for (var k = 0; k < StreamKinds.Count; k++)
                {
                    pending.Add(subscriber.PublishAsync(Channels[k], message.Get((StreamKind)k)));
                }
            }

            if (serialized.Count > 0)
            {
                var newest = serialized[^1];
                for (var k = 0; k < StreamKinds.Count; k++)
                {
                    pending.Add(db.StringSetAsync(ExampleKeys[k], newest.Get((StreamKind)k)));
                }
            }

            await Task.WhenAll(pending);
            metrics.EntriesPublished(log.Key, serialized.Count);
            return serialized.Count;
        }
        finally
        {
            // Only after every command completed (or failed): SE.Redis reads the pooled buffers while writing.
            if (pending.Count > 0)
            {
                await Task.WhenAll(pending).ContinueWith(static _ => { }, TaskScheduler.Default);
            }

            foreach (var message in serialized)
            {
                message.Dispose();
            }
        }
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
