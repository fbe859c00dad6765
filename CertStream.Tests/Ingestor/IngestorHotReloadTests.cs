using CertStream.Contracts;
using CertStream.CtLogSimulator;
using CertStream.Ingestor.Ct;
using CertStream.ServiceDefaults.Configuration;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace CertStream.Tests.Ingestor;

/// <summary>Hot reload on the ingestor: custom logs added to or removed from the YAML file start and stop their workers.</summary>
[Collection(RedisCollection.Name)]
public sealed class IngestorHotReloadTests(RedisFixture redis) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("certstream-ingestor-reload-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task CustomLogsAddedAndRemovedInTheWatchedFileStartAndStopTheirWorkers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var listed = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        await using var other = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        listed.AddRfc6962Log("listed", initialSize: 5);
        var custom = other.AddRfc6962Log("custom", initialSize: 5);
        var leaseKey = RedisNames.LogLeaseKey(CtLogInfo.KeyFromUrl(custom.Url));

        var path = Path.Combine(_dir, "config.yaml");
        await File.WriteAllTextAsync(path, "custom_logs: []\n", ct);
        var source = new CertStreamYamlConfigurationSource(path);
        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, listed.LogListUrl,
            configure: b =>
            {
                ((IConfigurationBuilder)b.Configuration).Add(source);
                source.StartWatching();
            }, ct: ct);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = mux.GetDatabase();
        await Eventually.TrueAsync(() => listed.GetLog("listed").RequestCount(SimulatedEndpoint.GetSth) > 0, Patience, "the listed log is followed", ct);
        Assert.Equal(0, custom.RequestCount(SimulatedEndpoint.GetSth));

        await File.WriteAllTextAsync(path, $"custom_logs:\n  - name: \"Custom\"\n    url: \"{custom.Url}\"\n", ct);
        await Eventually.TrueAsync(() => custom.RequestCount(SimulatedEndpoint.GetSth) > 0, Patience, "the added custom log is followed", ct);
        Assert.True(await db.KeyExistsAsync(leaseKey));

        await File.WriteAllTextAsync(path, "custom_logs: []\n", ct);
        await Eventually.TrueAsync(async () => !await db.KeyExistsAsync(leaseKey), Patience, "the removed log's lease is given back", ct);
        var requests = custom.RequestCount(SimulatedEndpoint.GetSth);
        // Its worker has stopped: the listed log keeps being polled, the removed one does not.
        var listedBefore = listed.GetLog("listed").RequestCount(SimulatedEndpoint.GetSth);
        await Eventually.TrueAsync(() => listed.GetLog("listed").RequestCount(SimulatedEndpoint.GetSth) > listedBefore + 5, Patience, "polling goes on", ct);
        Assert.Equal(requests, custom.RequestCount(SimulatedEndpoint.GetSth));
    }
}
