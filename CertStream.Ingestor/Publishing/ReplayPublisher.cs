using CertStream.Contracts;
using CertStream.Ingestor.Options;
using CertStream.Ingestor.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CertStream.Ingestor.Publishing;

/// <summary>
/// Publishes one message of one stream kind, and (with <c>replay:enabled</c>) keeps it in the
/// kind's replay stream, in one server-side step (<see cref="ReplayScript"/>): the message gets the
/// next sequence number of its kind and is stored under its cursor, and subscribers receive it with
/// <c>"cursor":"&lt;ms&gt;-&lt;seq&gt;"</c> added as its last field. One script, not XADD then PUBLISH:
/// the cursor is known only once the entry is added, both happen or neither does, and scripts run
/// one at a time, so the order of the stream and of the channel is the same for every ingestor.
/// Returns the PUBLISH receiver count, as PUBLISH itself did, so the delivery and re-subscribe
/// logic of <see cref="EntryPublisher"/> is unchanged.
/// </summary>
/// <remarks>
/// A Redis that answers the script with an error (a server without streams or scripting, out of
/// memory for the stream) must not stop the live stream: the message fails like a failed PUBLISH
/// (so the retry keeps the channel's order), and for <see cref="FallbackPeriod"/> messages go out
/// with plain PUBLISH, without cursor, before the script is tried again; a server that does not
/// know a command of the script (Garnet has no streams) is not asked again.
/// </remarks>
public sealed class ReplayPublisher
{
    public static readonly TimeSpan FallbackPeriod = TimeSpan.FromMinutes(1);

    private static readonly RedisChannel[] Channels = [.. StreamKinds.All.Select(k => RedisChannel.Literal(RedisNames.StreamChannel(k)))];
    private static readonly RedisKey[][] Keys = [.. StreamKinds.All.Select(k => new RedisKey[] { RedisNames.ReplayStream(k), RedisNames.ReplaySequence(k) })];
    private static readonly RedisValue[] ChannelNames = [.. StreamKinds.All.Select(k => (RedisValue)RedisNames.StreamChannel(k))];

    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly ILogger<ReplayPublisher> _logger;
    private readonly bool _enabled;
    private readonly RedisValue[] _maxEntries = new RedisValue[StreamKinds.Count];
    private readonly RedisValue _maxAgeMs;
    private long _fallbackUntil; // unix ms; 0: use the script

    public ReplayPublisher(IConnectionMultiplexer redis, IOptions<ReplayOptions> options, TimeProvider time, ILogger<ReplayPublisher> logger)
    {
        _redis = redis;
        _time = time;
        _logger = logger;
        var o = options.Value;
        _enabled = o.Enabled;
        foreach (var kind in StreamKinds.All)
        {
            _maxEntries[(int)kind] = kind == StreamKind.Full ? o.FullMaxEntries : o.MaxEntries;
        }

        _maxAgeMs = (long)o.MaxAgeSecs * 1000;
        if (_enabled)
        {
            IngestorLog.ReplayBufferOn(logger, o.MaxEntries, o.FullMaxEntries, o.MaxAgeSecs);
        }
    }

    /// <summary>Publishes <paramref name="payload"/> (envelope header and JSON) to the kind's channel; returns how many subscribers got it.</summary>
    public Task<long> PublishAsync(StreamKind kind, ReadOnlyMemory<byte> payload)
    {
        var k = (int)kind;
        if (!_enabled || (Volatile.Read(ref _fallbackUntil) is var until && until != 0 && _time.GetUtcNow().ToUnixTimeMilliseconds() < until))
        {
            return _redis.GetSubscriber().PublishAsync(Channels[k], payload);
        }

        var script = _redis.GetDatabase().ScriptEvaluateAsync(ReplayScript.Source, Keys[k], [payload, ChannelNames[k], _maxEntries[k], _maxAgeMs]);
        return ReceiversAsync(script, kind);
    }

    private async Task<long> ReceiversAsync(Task<RedisResult> script, StreamKind kind)
    {
        try
        {
            return (long)await script;
        }
        catch (RedisServerException ex)
        {
            // A server without streams (Garnet, the DevRedis) will not grow them: no retry every minute.
            var unsupported = ex.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase);
            var until = unsupported ? long.MaxValue : (_time.GetUtcNow() + FallbackPeriod).ToUnixTimeMilliseconds();
            if (Interlocked.Exchange(ref _fallbackUntil, until) == 0)
            {
                if (unsupported)
                {
                    IngestorLog.ReplayUnsupported(_logger, ex.Message);
                }
                else
                {
                    IngestorLog.ReplayScriptFailed(_logger, RedisNames.ReplayStream(kind), ex.Message, (long)FallbackPeriod.TotalSeconds);
                }
            }

            throw;
        }
    }
}
