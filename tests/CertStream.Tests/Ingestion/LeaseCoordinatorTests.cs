using CertStream.Ingestor.Coordination;
using CertStream.Ingestor.Options;
using CertStream.Ingestor.State;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CertStream.Tests.Ingestion;

/// <summary>Log sharing between replicas against a real Redis-protocol server.</summary>
[Collection(RedisCollection.Name)]
public sealed class LeaseCoordinatorTests(RedisFixture redis) : IAsyncLifetime
{
    private static readonly IOptions<CtLogOptions> FastLeases = Options.Create(new CtLogOptions { LeaseTtlMs = 1000, CoordinationIntervalMs = 200 });
    private readonly string[] _logs = Enumerable.Range(0, 10).Select(i => $"lease-test-{Guid.NewGuid():N}/log{i}").ToArray();
    private ConnectionMultiplexer _mux = null!;

    public async ValueTask InitializeAsync()
    {
        _mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        await _mux.GetDatabase().KeyDeleteAsync(CertStream.Contracts.RedisNames.IngestorMembers);
    }

    public async ValueTask DisposeAsync() => await _mux.DisposeAsync();

    private LeaseCoordinator NewReplica() =>
        new(new LeaseStore(_mux), new IngestorIdentity(), FastLeases, TimeProvider.System, NullLogger<LeaseCoordinator>.Instance);

    private static async Task<LeasePlan> RoundAndReleaseAsync(LeaseCoordinator replica, string[] logs)
    {
        var plan = await replica.RoundAsync(logs);
        foreach (var key in plan.ToRelease)
        {
            await replica.ReleaseAsync(key, "test");
        }

        return plan;
    }

    [Fact]
    public async Task TwoReplicasSplitTenLogsAndTheSurvivorTakesOverADeadOnesLogs()
    {
        var ct = TestContext.Current.CancellationToken;
        var a = NewReplica();
        var b = NewReplica();

        Assert.Equal(10, (await RoundAndReleaseAsync(a, _logs)).Held.Count);
        await RoundAndReleaseAsync(b, _logs); // joins: everything is still held by a
        await RoundAndReleaseAsync(a, _logs); // a sees two replicas and gives up its excess
        var heldByB = (await RoundAndReleaseAsync(b, _logs)).Held;
        var heldByA = (await RoundAndReleaseAsync(a, _logs)).Held;

        Assert.Equal(5, heldByA.Count);
        Assert.Equal(5, heldByB.Count);
        Assert.Empty(heldByA.Intersect(heldByB));
        Assert.Equal(_logs.Order(), heldByA.Union(heldByB).Order());
        foreach (var log in _logs)
        {
            var holder = (string?)await _mux.GetDatabase().StringGetAsync(CertStream.Contracts.RedisNames.LogLeaseKey(log));
            Assert.Equal(heldByA.Contains(log) ? a.Owner : b.Owner, holder);
        }

        // a dies (stops renewing): its leases and its membership expire, b takes every log.
        IReadOnlyCollection<string> held = heldByB;
        await Eventually.TrueAsync(async () => (held = (await RoundAndReleaseAsync(b, _logs)).Held).Count == 10,
            TimeSpan.FromSeconds(10), "the survivor should take over the dead replica's logs", ct);
        Assert.Equal(_logs.Order(), held.Order());
    }

    [Fact]
    public async Task OnlyTheLeaseHolderCanMoveTheCursor()
    {
        var a = NewReplica();
        var b = NewReplica();
        var log = _logs[0];
        var store = new RedisTreeStateStore(_mux, new StateFileMirror(Options.Create(new CtLogOptions())), TimeProvider.System);
        Assert.Contains(log, (await a.RoundAsync([log])).Held);

        Assert.True(await store.SaveAsync(log, a.Owner, new TreeState(42, 100)));
        Assert.False(await store.SaveAsync(log, b.Owner, new TreeState(7, 100)));
        Assert.Equal(new TreeState(42, 100), await store.LoadAsync(log));
    }
}
