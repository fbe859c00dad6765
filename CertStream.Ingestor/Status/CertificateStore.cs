using System.Buffers;
using System.Threading.Channels;
using CertStream.Contracts;
using CertStream.Ingestor.Serialization;
using CertStream.Ingestor.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CertStream.Ingestor.Status;

/// <summary>
/// The bounded store behind <c>/api/cert/{hash}</c>: each published certificate's full-stream
/// message under its SHA-256 (and a pointer from its SHA-1), with a TTL of <c>cert_store:max_age_secs</c>,
/// indexed in a sorted set trimmed to <c>cert_store:max_certificates</c> (<see cref="CertStoreScript"/>).
/// <see cref="Offer"/> copies the message into a bounded queue and returns at once; a background loop
/// writes the queue in batches. When Redis is slow or down the queue fills and further certificates are
/// not stored (counted): the store may miss certificates, the stream never waits for it.
/// </summary>
public sealed class CertificateStore : BackgroundService
{
    /// <summary>Certificates waiting to be written; a full message averages ~6 KB (30 KB at most, a long chain), so ~6-30 MB.</summary>
    public const int QueueCapacity = 1024;

    private const int BatchSize = 64;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly Channel<StoredCertificate> _queue = Channel.CreateBounded<StoredCertificate>(
        // Wait mode, but only TryWrite is used: it returns false when full (DropWrite would report success and lose the count).
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly IConnectionMultiplexer _redis;
    private readonly CertStoreOptions _options;
    private readonly CertStoreMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<CertificateStore> _logger;
    private bool _failing;

    public CertificateStore(IConnectionMultiplexer redis, IOptions<CertStoreOptions> options, CertStoreMetrics metrics, TimeProvider time,
        ILogger<CertificateStore> logger)
    {
        _redis = redis;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    public bool Enabled => _options.Enabled;

    /// <summary>
    /// Queues each certificate for the store, under the leaf digests the serializer computed. Copies what
    /// it keeps, so the caller may return the buffers at once. Never waits and never throws for the store's sake.
    /// </summary>
    public void Offer(IReadOnlyList<SerializedCertificate> messages)
    {
        if (!_options.Enabled)
        {
            return;
        }

        for (var i = 0; i < messages.Count; i++)
        {
            if (_queue.Reader.Count >= QueueCapacity)
            {
                _metrics.Dropped(); // full: not worth copying
                continue;
            }

            // A pooled copy (a full message is 2-30 KB): the ingestor's per-certificate buffers are pooled, this one too.
            var json = messages[i].Get(StreamKind.Full).Span; // the JSON only, as clients get it (never the envelope header)
            var buffer = ArrayPool<byte>.Shared.Rent(json.Length);
            json.CopyTo(buffer);
            var entry = new StoredCertificate(Convert.ToHexStringLower(messages[i].LeafSha256), Convert.ToHexStringLower(messages[i].LeafSha1), buffer, json.Length);
            if (!_queue.Writer.TryWrite(entry))
            {
                ArrayPool<byte>.Shared.Return(buffer);
                _metrics.Dropped();
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var batch = new List<StoredCertificate>(BatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < BatchSize && _queue.Reader.TryRead(out var entry))
                {
                    batch.Add(entry);
                }

                if (!await TryWriteAsync(batch))
                {
                    _metrics.Dropped(batch.Count);
                    await Task.Delay(RetryDelay, _time, stoppingToken); // the queue fills meanwhile, and drops
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> TryWriteAsync(List<StoredCertificate> batch)
    {
        var args = new RedisValue[CertStoreScript.FixedArgs + (batch.Count * 3)];
        args[0] = _time.GetUtcNow().ToUnixTimeMilliseconds();
        args[1] = (long)_options.MaxAge.TotalMilliseconds;
        args[2] = _options.MaxCertificates;
        args[3] = RedisNames.CertKeyPrefix;
        args[4] = RedisNames.CertSha1KeyPrefix;
        for (var i = 0; i < batch.Count; i++)
        {
            args[CertStoreScript.FixedArgs + (i * 3)] = batch[i].Sha256;
            args[CertStoreScript.FixedArgs + (i * 3) + 1] = batch[i].Sha1;
            args[CertStoreScript.FixedArgs + (i * 3) + 2] = batch[i].Json.AsMemory(0, batch[i].Length);
        }

        Task<RedisResult>? script = null;
        try
        {
            script = _redis.GetDatabase().ScriptEvaluateAsync(CertStoreScript.Store, [RedisNames.CertIndex], args);
            await script; // SE.Redis fails it after its own async timeout: no timer of ours, so the buffers are free after
            _metrics.Stored(batch.Count);
            if (_failing)
            {
                _failing = false;
                IngestorLog.CertStoreRecovered(_logger);
            }

            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever failed (Redis, a timeout, a disposed connection at shutdown), the store is best effort:
            // an exception leaving ExecuteAsync would stop the host, and with it the stream.
            if (!_failing)
            {
                _failing = true;
                IngestorLog.CertStoreFailed(_logger, ex.Message);
            }

            return false;
        }
        finally
        {
            // Only once the command is over: SE.Redis reads the buffers while writing it.
            if (script is null or { IsCompleted: true })
            {
                foreach (var entry in batch)
                {
                    ArrayPool<byte>.Shared.Return(entry.Json);
                }
            }
        }
    }

    private readonly record struct StoredCertificate(string Sha256, string Sha1, byte[] Json, int Length);
}
