using System.Security.Cryptography;
using System.Diagnostics.Metrics;
using System.Text;
using CertStream.Contracts;
using CertStream.Ingestor.Serialization;
using CertStream.Ingestor.Status;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace CertStream.Tests.Ingestor.Status;

/// <summary>The certificate store's side of the publish path: it never waits.</summary>
public sealed class CertificateStoreTests
{
    [Fact]
    public async Task OfferNeverWaitsForRedisAndCountsWhatFindsNoRoom()
    {
        await using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = provider.GetRequiredService<IMeterFactory>();
        using var dropped = new MetricCollector<long>(meterFactory, TelemetryNames.Ingestor, "certstream.ingestor.cert_store.dropped");
        using var metrics = new CertStoreMetrics(meterFactory);
        // Nothing listens there, and the store's writer is not even running: only the queue can take them.
        await using var redis = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=100");
        using var store = new CertificateStore(redis, Microsoft.Extensions.Options.Options.Create(new CertStoreOptions()), metrics,
            TimeProvider.System, NullLogger<CertificateStore>.Instance);
        var messages = new List<SerializedCertificate>();
        for (var i = 0; i < CertificateStore.QueueCapacity + 100; i++)
        {
            messages.Add(new FakeMessage($"{{\"i\":{i}}}"));
        }

        store.Offer(messages); // returns: a test that hangs here fails on its timeout

        Assert.Equal(100, dropped.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    private sealed class FakeMessage(string json) : SerializedCertificate
    {
        private readonly byte[] _json = Encoding.UTF8.GetBytes(json);

        public override ReadOnlyMemory<byte> Get(StreamKind kind) => _json;

        public override ReadOnlyMemory<byte> GetPayload(StreamKind kind) => _json;

        public override ReadOnlySpan<byte> LeafSha256 => SHA256.HashData(_json);

        public override ReadOnlySpan<byte> LeafSha1 => SHA1.HashData(_json);

        public override void SetFlags(byte flags)
        {
        }

        public override void Dispose()
        {
        }
    }
}
