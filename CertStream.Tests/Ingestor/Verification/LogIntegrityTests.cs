using CertStream.CtLogSimulator;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace CertStream.Tests.Ingestor.Verification;

/// <summary>
/// Issue 15: logs that serve bad signatures or fork history are caught, marked, and streamed marked or stopped
/// by verification:on_failure; an honest log is neither. The simulator signs each log's tree heads with the key
/// its log list publishes (or, when told to misbehave, with another key or two histories).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class LogIntegrityTests(RedisFixture redis)
{
    private const int VerificationFailed = 1701;
    private const int StartingAtTip = 1021;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task BadSignaturesAreCaughtAndTheEntriesStreamedMarked()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var honest = sim.AddRfc6962Log("honest-rfc", initialSize: 300);
        var badRfc = sim.AddLog(new SimulatedLogOptions { Name = "bad-sig-rfc", InitialSize = 300, Integrity = SimulatedLogIntegrity.BadSignature });
        var badTiled = sim.AddLog(new SimulatedLogOptions
        {
            Name = "bad-sig-tiled", Kind = SimulatedLogKind.Tiled, InitialSize = 300, Integrity = SimulatedLogIntegrity.BadSignature,
        });
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);
        var logs = new LogCapture();

        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, null, b => b.Logging.AddProvider(logs), ct);
        await Eventually.TrueAsync(() => logs.Count(StartingAtTip) == 3, Patience, "the three logs start at the tip", ct);
        honest.Grow(5);
        badRfc.Grow(5);
        badTiled.Grow(5);
        await Eventually.TrueAsync(() => recorder.For(honest.Url).Count >= 5 && recorder.For(badRfc.Url).Count >= 5 && recorder.For(badTiled.Url).Count >= 5,
            Patience, "all three logs stream (policy mark)", ct);

        Assert.All(recorder.For(honest.Url), c => Assert.Null(c.Integrity));
        Assert.All(recorder.For(badRfc.Url), c => Assert.Equal("log_unverified", c.Integrity));
        Assert.All(recorder.For(badTiled.Url), c => Assert.Equal("log_unverified", c.Integrity));
        var failures = logs.WithId(VerificationFailed);
        Assert.Equal(2, failures.Count); // once per failing log, however often it fails
        Assert.Contains(failures, l => l.Message.Contains("bad-sig-rfc", StringComparison.Ordinal) && l.Message.Contains("(sth_signature)", StringComparison.Ordinal));
        Assert.Contains(failures, l => l.Message.Contains("bad-sig-tiled", StringComparison.Ordinal) && l.Message.Contains("(checkpoint_signature)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ForkedHistoryIsCaughtAndStopsTheLogWhenThePolicyIsStop()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var honest = sim.AddTiledLog("honest-tiled", initialSize: 300);
        var forked = sim.AddLog(new SimulatedLogOptions { Name = "forked-rfc", InitialSize = 300, Integrity = SimulatedLogIntegrity.ForkedHistory });
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);
        var logs = new LogCapture();

        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl,
            new Dictionary<string, string?> { ["verification:on_failure"] = "stop" }, b => b.Logging.AddProvider(logs), ct);
        // Growth before a log's first tree head would be taken as its starting tip and never streamed.
        await Eventually.TrueAsync(() => logs.Count(StartingAtTip) == 2, Patience, "both logs start at the tip", ct);
        // Two polls of the unchanged tree see two roots for one size.
        await Eventually.TrueAsync(() => logs.Count(VerificationFailed) == 1, Patience, "the fork is reported", ct);
        var failure = Assert.Single(logs.WithId(VerificationFailed));
        Assert.Contains("forked-rfc", failure.Message, StringComparison.Ordinal);
        Assert.Contains("(fork)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("stopped", failure.Message, StringComparison.Ordinal);

        forked.Grow(5);
        honest.Grow(5);
        await Eventually.TrueAsync(() => recorder.For(honest.Url).Count >= 5, Patience, "the honest log streams", ct);
        var polled = forked.RequestCount(SimulatedEndpoint.GetSth);
        await Eventually.TrueAsync(() => forked.RequestCount(SimulatedEndpoint.GetSth) >= polled + 3, Patience, "the stopped log is still polled", ct);
        Assert.Empty(recorder.For(forked.Url));
        Assert.Equal(0, forked.RequestCount(SimulatedEndpoint.GetEntries));
    }

    [Fact]
    public async Task AnHonestLogIsCheckedWithProofsAndALogThatRewritesHistoryIsCaught()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var honest = sim.AddLog(new SimulatedLogOptions { Name = "merkle-honest", InitialSize = 40, MerkleTree = true });
        var rewriting = sim.AddLog(new SimulatedLogOptions
        {
            Name = "merkle-rewrites", InitialSize = 40, MerkleTree = true, Integrity = SimulatedLogIntegrity.RewritesHistory,
        });
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);
        var logs = new LogCapture();

        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl,
            new Dictionary<string, string?> { ["verification:inclusion_checks_per_batch"] = "2" }, b => b.Logging.AddProvider(logs), ct);
        await Eventually.TrueAsync(() => logs.Count(StartingAtTip) == 2, Patience, "both logs start at the tip", ct);
        for (var round = 1; round <= 3; round++)
        {
            honest.Grow(7);
            rewriting.Grow(7);
            await Eventually.TrueAsync(() => recorder.For(honest.Url).Count >= 7 * round && recorder.For(rewriting.Url).Count >= 7 * round,
                Patience, $"growth {round} is streamed", ct);
        }

        // The honest log's growth was checked with consistency and inclusion proofs, and passed.
        Assert.True(honest.RequestCount(SimulatedEndpoint.GetSthConsistency) >= 1);
        Assert.True(honest.RequestCount(SimulatedEndpoint.GetProofByHash) >= 1);
        Assert.All(recorder.For(honest.Url), c => Assert.Null(c.Integrity));
        var failure = Assert.Single(logs.WithId(VerificationFailed));
        Assert.Contains("merkle-rewrites", failure.Message, StringComparison.Ordinal);
        Assert.Contains("(consistency)", failure.Message, StringComparison.Ordinal);
        Assert.Equal("log_unverified", recorder.For(rewriting.Url)[^1].Integrity);
    }
}
