using CertStream.CtLogSimulator;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace CertStream.Tests.Ingestor;

/// <summary>
/// Issue 8 item 1: a fresh system (no cursor in Redis, no state file, or an empty one) follows
/// each log from its tip. It used to replay every log from index 0: a missing Redis value parsed
/// as 0 (StackExchange.Redis's RedisValue.TryParse answers true and 0 for null).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class StartAtTipTests(RedisFixture redis) : IDisposable
{
    private const int StartedAtTip = 1021;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("certstream-tip-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task WithNoCursorInRedisEveryLogStartsAtItsTip()
    {
        await AssertStartsAtTipAsync(settings: null);
    }

    [Fact]
    public async Task WithAnEmptyStateFileEveryLogStartsAtItsTip()
    {
        var path = Path.Combine(_dir, "state.json");
        await File.WriteAllTextAsync(path, """{"version":1,"logs":{}}""", TestContext.Current.CancellationToken);
        await AssertStartsAtTipAsync(new Dictionary<string, string?> { ["ct_log:state_file"] = path });
    }

    private async Task AssertStartsAtTipAsync(IDictionary<string, string?>? settings)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        // The simulator listens on a fresh port, so these logs have no cursor in the shared Redis.
        var rfc = sim.AddRfc6962Log("tip-rfc", initialSize: 5000);
        var tiled = sim.AddTiledLog("tip-tiled", initialSize: 5000);
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);
        var logs = new LogCapture();

        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, settings,
            b => b.Logging.AddProvider(logs), ct);
        await logs.WaitForAsync(() => logs.Count(StartedAtTip) == 2, Patience, "both logs start at the tip", ct);
        Assert.All(logs.WithId(StartedAtTip), l => Assert.EndsWith("index 5000", l.Message, StringComparison.Ordinal));

        rfc.Grow(10);
        tiled.Grow(10);
        await recorder.WaitForAsync(() => recorder.For(rfc.Url).Count >= 10 && recorder.For(tiled.Url).Count >= 10,
            Patience, "the entries appended after the start are published", ct);
        Assert.Equal(Enumerable.Range(5000, 10).Select(i => (long)i), recorder.For(rfc.Url).Select(p => p.Index));
        Assert.Equal(Enumerable.Range(5000, 10).Select(i => (long)i), recorder.For(tiled.Url).Select(p => p.Index));
    }
}
