using CertStream.Ingestor.Coordination;
using CertStream.Ingestor.Options;
using CertStream.Ingestor.State;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CertStream.Tests.Ingestor.Coordination;

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

        var ttl = TimeSpan.FromMilliseconds(FastLeases.Value.LeaseTtlMs);
        Assert.Equal(CursorSaveOutcome.Restored, (await store.SaveAsync(log, a.Owner, new TreeState(42, 100), ttl)).Outcome);
        Assert.Equal(CursorSaveOutcome.HeldByOther, (await store.SaveAsync(log, b.Owner, new TreeState(7, 100), ttl)).Outcome);
        Assert.Equal(CursorSaveOutcome.StoredAhead, (await store.SaveAsync(log, a.Owner, new TreeState(41, 100), ttl)).Outcome);
        Assert.Equal(CursorSaveOutcome.Unchanged, (await store.SaveAsync(log, a.Owner, new TreeState(42, 100), ttl, onlyIfMissing: true)).Outcome);
        Assert.Equal(new TreeState(42, 100), await store.LoadAsync(log));
    }

    [Fact]
    public async Task LeasesAndCursorsThatRedisLostAreTakenBackByTheirHolderNotReportedLost()
    {
        var a = NewReplica();
        var b = NewReplica();
        var store = new RedisTreeStateStore(_mux, new StateFileMirror(Options.Create(new CtLogOptions())), TimeProvider.System);
        var ttl = TimeSpan.FromMilliseconds(FastLeases.Value.LeaseTtlMs);
        var logs = _logs[..4];
        await RoundAndReleaseAsync(a, logs);
        await RoundAndReleaseAsync(b, logs);
        await RoundAndReleaseAsync(a, logs);
        var heldByA = (await RoundAndReleaseAsync(a, logs)).Held;
        var heldByB = (await RoundAndReleaseAsync(b, logs)).Held;
        Assert.Equal(2, heldByA.Count);
        Assert.Equal(2, heldByB.Count);

        // Redis restarted empty: no leases, no cursors, no members.
        var db = _mux.GetDatabase();
        foreach (var log in logs)
        {
            await db.KeyDeleteAsync([CertStream.Contracts.RedisNames.LogLeaseKey(log), CertStream.Contracts.RedisNames.LogStateKey(log)]);
        }

        await db.KeyDeleteAsync(CertStream.Contracts.RedisNames.IngestorMembers);

        // b coordinates first: it keeps its own logs and does not take a's (a still counts as a member).
        var plan = await RoundAndReleaseAsync(b, logs);
        Assert.Empty(plan.Lost);
        Assert.Equal(heldByB.Order(), plan.Held.Order());
        var log0 = heldByA.First();
        var saved = await store.SaveAsync(log0, a.Owner, new TreeState(500, 600), ttl, onlyIfMissing: true);
        Assert.Equal(new CursorSaveResult(CursorSaveOutcome.Restored, LeaseRetaken: true), saved);
        plan = await RoundAndReleaseAsync(a, logs);
        Assert.Empty(plan.Lost);
        Assert.Equal(heldByA.Order(), plan.Held.Order());
        Assert.Equal(new TreeState(500, 600), await store.LoadAsync(log0));
    }
}
