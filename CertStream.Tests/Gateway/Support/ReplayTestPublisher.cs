using System.Text;
using CertStream.Contracts;
using CertStream.Contracts.Envelope;
using CertStream.Ingestor.Options;
using CertStream.Ingestor.Publishing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace CertStream.Tests.Gateway.Support;

/// <summary>
/// Plays an ingestor with the replay buffer on: publishes lite messages <c>{"message_type":"certificate_update","data":{"cert_index":N}}</c>
/// through the product's <see cref="ReplayPublisher"/> (the Lua script), so they carry cursors and
/// are kept in the replay stream. Starts from empty replay keys: tests share one Redis.
/// </summary>
public sealed class ReplayTestPublisher : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly ReplayPublisher _publisher;

    private ReplayTestPublisher(ConnectionMultiplexer redis, int maxEntries)
    {
        _redis = redis;
        _publisher = new ReplayPublisher(redis, Microsoft.Extensions.Options.Options.Create(new ReplayOptions { MaxEntries = maxEntries }),
            TimeProvider.System, NullLogger<ReplayPublisher>.Instance);
    }

    public IDatabase Db => _redis.GetDatabase();

    public static async Task<ReplayTestPublisher> ConnectAsync(string connectionString, int maxEntries = 100_000)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(connectionString + ",abortConnect=false");
        await redis.GetDatabase().KeyDeleteAsync([.. StreamKinds.All.SelectMany(k => new RedisKey[] { RedisNames.ReplayStream(k), RedisNames.ReplaySequence(k) })]);
        return new ReplayTestPublisher(redis, maxEntries);
    }

    public static byte[] Message(long index, int padding = 0) => Encoding.UTF8.GetBytes(
        $"{{\"message_type\":\"certificate_update\",\"data\":{{\"cert_index\":{index}" + (padding > 0 ? $",\"pad\":\"{new string('x', padding)}\"" : "") + "}}");

    /// <summary>
    /// Publishes messages with cert_index <paramref name="from"/> to <paramref name="to"/> (inclusive), in order, each
    /// in a stream envelope naming the one domain <paramref name="domainOf"/> gives it (what filters decide by).
    /// </summary>
    public async Task PublishWithDomainsAsync(long from, long to, Func<long, string> domainOf)
    {
        var header = new StreamEnvelopeWriter();
        for (var i = from; i <= to; i++)
        {
            header.Reset(StreamEnvelope.KindCertificate);
            header.AddDomain(Encoding.UTF8.GetBytes(domainOf(i)));
            byte[] payload = [.. header.Header, .. Message(i)];
            await _publisher.PublishAsync(StreamKind.Lite, payload);
        }
    }

    /// <summary>Publishes messages with cert_index <paramref name="from"/> to <paramref name="to"/> (inclusive), in order.</summary>
    public async Task PublishAsync(long from, long to, int padding = 0)
    {
        for (var i = from; i <= to; i++)
        {
            await _publisher.PublishAsync(StreamKind.Lite, Message(i, padding));
        }
    }

    /// <summary>The lite replay stream's cursors, oldest first.</summary>
    public async Task<string[]> CursorsAsync() =>
        [.. (await Db.StreamRangeAsync(RedisNames.ReplayStream(StreamKind.Lite))).Select(e => (string)e.Id!)];

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();
}
