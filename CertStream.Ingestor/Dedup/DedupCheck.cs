using CertStream.Contracts;
using CertStream.Contracts.Envelope;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Serialization;
using CertStream.Ingestor.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CertStream.Ingestor.Dedup;

/// <summary>
/// Decides, once for the whole cluster, which entries are first sightings: one pipelined
/// <c>SET key 1 NX PX window</c> per certificate key and per join key (<see cref="DedupKeys"/>), before
/// a chunk is published. The first ingestor to set a key wins; the result is the envelope flags
/// (<see cref="StreamEnvelope.FlagFirstSeen"/>, <see cref="StreamEnvelope.FlagFirstSeenJoined"/>). A Redis
/// failure must not hold the stream: the entries of the chunk count as first seen (a dedup client may
/// then see a repeat), and the failure is counted and logged.
/// </summary>
public sealed class DedupCheck(IConnectionMultiplexer redis, IOptions<DedupOptions> options, IngestorMetrics metrics, ILogger<DedupCheck> logger)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Flags per entry (same order as <paramref name="entries"/>, whose messages are <paramref name="messages"/>:
    /// the certificate key is the leaf's SHA-256 the serializer already computed); all 0 when the check is off.
    /// </summary>
    public async Task<byte[]> CheckAsync(IReadOnlyList<CtLogEntry> entries, IReadOnlyList<SerializedCertificate> messages, CancellationToken ct)
    {
        var flags = new byte[entries.Count];
        var window = TimeSpan.FromSeconds(options.Value.WindowSecs);
        if (window <= TimeSpan.Zero || entries.Count == 0)
        {
            return flags;
        }

        var db = redis.GetDatabase();
        var certificate = new Task<bool>[entries.Count];
        var join = new Task<bool>?[entries.Count];
        Span<byte> key = stackalloc byte[DedupKeys.Length];
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            certificate[i] = db.StringSetAsync(RedisNames.DedupCertificateKey(messages[i].LeafSha256), 1, window, When.NotExists);
            if (DedupKeys.Join(entry, key))
            {
                join[i] = db.StringSetAsync(RedisNames.DedupJoinKey(key), 1, window, When.NotExists);
            }
        }

        try
        {
            await Task.WhenAll(certificate).WaitAsync(Timeout, ct);
            foreach (var task in join)
            {
                if (task is not null)
                {
                    await task.WaitAsync(Timeout, ct);
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            metrics.DedupCheckFailed(entries.Count);
            IngestorLog.DedupCheckFailed(logger, entries.Count, ex.Message);
            Array.Fill(flags, (byte)(StreamEnvelope.FlagFirstSeen | StreamEnvelope.FlagFirstSeenJoined));
            return flags;
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var f = certificate[i].Result ? StreamEnvelope.FlagFirstSeen : 0;
            // No join key (TBS not decodable): the certificate key decides the pair too.
            var joined = join[i] is { } j ? j.Result : certificate[i].Result;
            flags[i] = (byte)(f | (joined ? StreamEnvelope.FlagFirstSeenJoined : 0));
        }

        return flags;
    }
}
