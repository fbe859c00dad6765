using System.Text.Json;
using CertStream.Contracts;
using CertStream.Contracts.Envelope;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Health;
using CertStream.Ingestor.Telemetry;
using StackExchange.Redis;

namespace CertStream.Ingestor.Publishing;

/// <summary>What a <c>log_integrity</c> event says (docs/wire-format.md).</summary>
public sealed record IntegrityEvent(CtLogInfo Log, string Check, string Detail, string Action, DateTimeOffset At);

/// <summary>
/// Publishes <c>log_integrity</c> events: one message per event on every stream channel, in an envelope of kind 1
/// (<see cref="StreamEnvelope"/>) so that only clients that ask for them (<c>?events=log_integrity</c>) receive them.
/// Kept apart from <see cref="EntryPublisher"/>: an event is rare, is not ordered with a log's entries and never
/// holds a cursor back; a publish that fails is retried a few times, then logged.
/// </summary>
public sealed class IntegrityEventPublisher(IConnectionMultiplexer redis, TimeProvider time, ILogger<IntegrityEventPublisher> logger)
{
    public const int MaxAttempts = 5;
    private static readonly TimeSpan RetryBase = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RetryMax = TimeSpan.FromSeconds(5);

    /// <summary>The message JSON (without the envelope header).</summary>
    public static byte[] Serialize(IntegrityEvent e)
    {
        using var buffer = new MemoryStream(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("message_type", "log_integrity");
            w.WriteStartObject("data");
            w.WriteString("event", "verification_failed");
            w.WriteStartObject("source");
            w.WriteString("name", e.Log.Name);
            w.WriteString("url", e.Log.Url);
            w.WriteString("type", e.Log.TypeName);
            w.WriteEndObject();
            w.WriteString("check", e.Check);
            w.WriteString("detail", e.Detail);
            w.WriteString("action", e.Action);
            w.WriteNumber("seen", e.At.ToUnixTimeMilliseconds() / 1000.0);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public async Task PublishAsync(IntegrityEvent e, CancellationToken ct = default)
    {
        var json = Serialize(e);
        var payload = new byte[StreamEnvelope.FixedLength + json.Length];
        StreamEnvelopeWriter.WriteFixed(payload, StreamEnvelope.KindLogIntegrity);
        json.CopyTo(payload.AsSpan(StreamEnvelope.FixedLength));
        var subscriber = redis.GetSubscriber();
        var pending = new List<StreamKind>(StreamKinds.All);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                while (pending.Count > 0)
                {
                    await subscriber.PublishAsync(RedisChannel.Literal(RedisNames.StreamChannel(pending[0])), payload);
                    pending.RemoveAt(0);
                }

                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                if (attempt == MaxAttempts)
                {
                    IngestorLog.IntegrityEventFailed(logger, e.Log.Key, attempt, ex.Message);
                    return;
                }

                await Task.Delay(Backoff.Delay(attempt, RetryBase, RetryMax), time, ct);
            }
        }
    }
}
