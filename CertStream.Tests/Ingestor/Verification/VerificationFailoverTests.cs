using CertStream.Contracts;
using CertStream.CtLogSimulator;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CertStream.Tests.Ingestor.Verification;

/// <summary>
/// Issue 15: the last verified tree head outlives the ingestor that verified it. Ingestor A verifies a log and stops; the log
/// then forks (a consistent, properly signed other history); ingestor B takes the log over from Redis and must catch the fork
/// by checking the new tree head against the one A verified. Without the saved head B would take the forked history as its
/// start and never notice.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class VerificationFailoverTests(RedisFixture redis)
{
    private const int VerificationFailed = 1701;
    private const int StartingAtTip = 1021;
    private const int VerifiedHeadLoaded = 1750;
    private const int FailureLoaded = 1751;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AForkWhileNoIngestorWatchesIsCaughtByTheNextOne()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var log = sim.AddLog(new SimulatedLogOptions { Name = "fork-at-failover", InitialSize = 40, MerkleTree = true });
        var key = RedisNames.LogVerificationKey(CertStream.Ingestor.Ct.CtLogInfo.KeyFromUrl(log.Url));
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = mux.GetDatabase();

        // A: starts at the tip, streams and verifies growth to 47.
        var logsA = new LogCapture();
        await using (var a = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, null, b => b.Logging.AddProvider(logsA), ct))
        {
            await logsA.WaitForAsync(() => logsA.Count(StartingAtTip) == 1, Patience, "A starts at the tip", ct);
            log.Grow(7);
            await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 7, Patience, "A streams the growth", ct);
            // The saved head is Redis state with no signal of its own.
            await Eventually.TrueAsync(async () => (long?)await db.HashGetAsync(key, "size") == 47, Patience, "A saves the verified head of size 47", ct);
            Assert.Equal(0, logsA.Count(VerificationFailed));
        }

        // Nobody watches: the log rewrites its history and grows on it.
        log.RewriteHistory();
        log.Grow(3);

        // B: takes the log over from the saved cursor and the saved tree head.
        var logsB = new LogCapture();
        await using (await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, null, builder => builder.Logging.AddProvider(logsB), ct))
        {
            await logsB.WaitForAsync(() => logsB.Count(VerificationFailed) == 1, Patience, "B catches the fork", ct);
            Assert.Single(logsB.WithId(VerifiedHeadLoaded), l => l.Message.Contains("size 47", StringComparison.Ordinal));
            var failure = Assert.Single(logsB.WithId(VerificationFailed));
            Assert.Contains("fork-at-failover", failure.Message, StringComparison.Ordinal);
            Assert.Contains("(consistency)", failure.Message, StringComparison.Ordinal);
            Assert.Equal(0, logsB.Count(StartingAtTip));

            // Policy mark: what B streams is marked; the failure is in Redis for whoever follows the log next.
            await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 10, Patience, "B streams the new entries, marked", ct);
            Assert.All(recorder.For(log.Url).Skip(7), c => Assert.Equal("log_unverified", c.Integrity));
            await Eventually.TrueAsync(async () => (string?)await db.HashGetAsync(key, "failed_check") == "consistency", Patience, "the failure is saved", ct);
            Assert.Equal(47, (long)await db.HashGetAsync(key, "size")); // a failed log's heads are not saved
        }

        // C, after B: the failure is loaded, not found again (one 1701 in all), and entries stay marked.
        var logsC = new LogCapture();
        await using var ingestorC = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, null, builder => builder.Logging.AddProvider(logsC), ct);
        await logsC.WaitForAsync(() => logsC.Count(FailureLoaded) == 1, Patience, "C loads the failure", ct);
        log.Grow(2);
        await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 12, Patience, "C streams, marked", ct);
        Assert.All(recorder.For(log.Url).Skip(10), c => Assert.Equal("log_unverified", c.Integrity));
        Assert.Equal(0, logsC.Count(VerificationFailed));
    }
}
