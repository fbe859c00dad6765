using System.Diagnostics;
using CertStream.CtLogSimulator;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.Ingestor.CatchUp;

/// <summary>
/// Issue 8 item 2: a backlog is published at ct_log:catchup_rate on top of the live stream, and
/// a backlog older than ct_log:catchup_max_age_secs is skipped, counted and logged once.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class CatchUpTests(RedisFixture redis)
{
    private const int BacklogSkipped = 1120;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ABacklogOlderThanTheMaxAgeIsSkippedCountedAndLoggedOnceAndTheRestIsPublished()
    {
        var ct = TestContext.Current.CancellationToken;
        // The simulator's clock: its first 3000 entries are two hours old, what it appends later is fresh.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromHours(2));
        await using var sim = await SimulatedCtLogServer.StartAsync(new SimulatedCtLogServerOptions { TimeProvider = clock }, ct);
        var rfc = sim.AddLog(new SimulatedLogOptions { Name = "stale-rfc", Kind = SimulatedLogKind.Rfc6962, InitialSize = 3000, UseRecordedEntries = false });
        var tiled = sim.AddLog(new SimulatedLogOptions { Name = "stale-tiled", Kind = SimulatedLogKind.Tiled, InitialSize = 3000, UseRecordedEntries = false });
        clock.Advance(TimeSpan.FromHours(2));
        rfc.Grow(1500);
        tiled.Grow(1500);
        await IngestorPipelineTests.SeedCursorAsync(redis.ConnectionString, rfc, 100);
        await IngestorPipelineTests.SeedCursorAsync(redis.ConnectionString, tiled, 100);
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);
        var logs = new LogCapture();

        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl,
            new Dictionary<string, string?> { ["ct_log:catchup_max_age_secs"] = "3600" }, b => b.Logging.AddProvider(logs), ct);
        await recorder.WaitForAsync(() => recorder.For(rfc.Url).Count >= 1500 && recorder.For(tiled.Url).Count >= 1500,
            Patience, "the fresh part of the backlog is published", ct);

        IngestorPipelineTests.AssertExactlyOnceInOrder(rfc, recorder.For(rfc.Url), 3000, 4500);
        IngestorPipelineTests.AssertExactlyOnceInOrder(tiled, recorder.For(tiled.Url), 3000, 4500);
        var warnings = logs.WithId(BacklogSkipped);
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Contains("Skipped 2900 entries", w.Message, StringComparison.Ordinal));
        Assert.All(warnings, w => Assert.Equal(LogLevel.Warning, w.Level));
        using var http = new HttpClient();
        var skipped = PrometheusText.Parse(await http.GetStringAsync(ingestor.BaseUrl + "/metrics", ct)).Samples
            .Where(s => s.Name == "certstream_ingestor_skipped_entries_total").ToList();
        Assert.Equal(2, skipped.Count);
        Assert.All(skipped, s => Assert.Equal(2900, s.Value));
    }

    [Fact]
    public async Task ABacklogIsPublishedNoFasterThanTheCatchUpRateAndTheLiveTipFollowsItAtOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        // batch 100 × concurrency 2: the newest 512 entries (tiles are 256) are live, the 1500 before them are backlog.
        var log = sim.AddRfc6962Log("paced", initialSize: 2012, pageCap: 100);
        await IngestorPipelineTests.SeedCursorAsync(redis.ConnectionString, log, 0);
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);
        var settings = new Dictionary<string, string?>
        {
            ["ct_log:catchup_rate"] = "300",
            ["ct_log:batch_size"] = "100",
            ["ct_log:fetch_concurrency"] = "2",
        };

        var started = Stopwatch.StartNew();
        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, settings, ct: ct);
        await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 1500, Patience, "the backlog is published", ct);
        var backlogTime = started.Elapsed;
        await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 2012, Patience, "the live window follows", ct);
        log.Grow(50);
        await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 2062, Patience, "growth at the tip is published", ct);

        IngestorPipelineTests.AssertExactlyOnceInOrder(log, recorder.For(log.Url), 0, 2062);
        // A lower bound only (a busy machine makes it slower, never faster): 1500 entries at 300/s,
        // less the one-refill burst of 30, take at least 4.9 s.
        Assert.True(backlogTime >= TimeSpan.FromSeconds(4.5), $"1500 backlog entries at 300/s were published in {backlogTime}");
    }
}
