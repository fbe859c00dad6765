using CertStream.Contracts;
using CertStream.FeedConsumer;
using CertStream.Tests.Infrastructure;
using CertStream.Tests.SystemTests.Support;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace CertStream.Tests.SystemTests;

/// <summary>
/// Issue 13: the durable feed, end to end on real processes: a private rabbitmq-server, Redis, the CT
/// log simulator, the published ingestor, and the sample consumer (in-process, with a recorder).
/// </summary>
public sealed class FeedDeliveryTests
{
    /// <summary>The ingestor's backlog in these tests: small, so that an outage fills it and the feed falls behind.</summary>
    private const int QueueCapacity = 512;

    private const int BatchSize = 64;

    private static readonly TimeSpan Long = TimeSpan.FromSeconds(240);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_certificate_reaches_the_consumer_once_or_more_across_a_RabbitMQ_restart_and_an_ingestor_SIGKILL()
    {
        Assert.SkipWhen(RabbitMqTestServer.MissingReason is not null, RabbitMqTestServer.MissingReason ?? "");
        await using var rabbit = await RabbitMqTestServer.StartAsync(Ct);
        await using var system = CertStreamSystem.Create();
        var redis = await system.StartRedisAsync();
        var simulator = await system.StartSimulatorAsync(new Dictionary<string, string>
        {
            ["Rfc6962Logs"] = "1",
            ["TiledLogs"] = "1",
            ["InitialSize"] = "100",
            ["EntriesPerSecond"] = "20",
        });
        var recorder = new FeedRecorder();
        using var consumer = await StartConsumerAsync(rabbit, recorder);
        var feedEnvironment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__rabbitmq"] = rabbit.ConnectionString, // switches the feed on by itself
            ["CERTSTREAM_FEED_QUEUE_CAPACITY"] = QueueCapacity.ToString(),
            ["CERTSTREAM_FEED_BATCH_SIZE"] = BatchSize.ToString(),
            ["CERTSTREAM_FEED_PUBLISH_TIMEOUT_SECS"] = "5",
        };
        var first = await system.StartIngestorAsync(redis, simulator, feedEnvironment);
        var logs = await simulator.LogsAsync();
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = mux.GetDatabase();

        // Where each log's feed starts: the first live entry after the ingestor started at the tip.
        var start = new Dictionary<string, long>();
        foreach (var log in logs)
        {
            start[log.Url] = await WaitForFeedCursorAsync(db, log);
            Assert.True(start[log.Url] <= log.TreeSize + 256, $"{log.Name}: the feed starts at {start[log.Url]}, the log had {log.TreeSize} entries when the ingestor started");
        }

        Assert.Contains("MassTransit.dll", LoadedFiles(first.Process.Pid));
        await WaitForAllAsync(recorder, logs, start, await simulator.LogsAsync(), "the feed delivers while all is well");

        // RabbitMQ goes away while the logs grow by more than the backlog holds: the live streams go on
        // (the live cursors pass the new sizes), the feed falls behind; after the restart it catches up.
        await rabbit.StopAsync(Ct);
        foreach (var log in logs)
        {
            await simulator.GrowAsync(log.Name, 3 * QueueCapacity);
        }

        var grown = await simulator.LogsAsync();
        await WaitForLiveCursorsAsync(db, grown, "the live streams keep flowing while RabbitMQ is down");
        Assert.True(await first.MetricAsync("certstream_ingestor_feed_fell_behind_total") >= 1, "the feed fell behind while RabbitMQ was down");
        Assert.True(await first.MetricAsync("certstream_ingestor_feed_backlog") <= QueueCapacity, "the backlog stays within feed:queue_capacity");
        using (var health = await system.Http.GetAsync(first.BaseUrl + "/health", Ct))
        {
            Assert.True(health.IsSuccessStatusCode, $"RabbitMQ being down made the ingestor unready: {(int)health.StatusCode} {await health.Content.ReadAsStringAsync(Ct)}");
        }

        await rabbit.StartAgainAsync(Ct);
        await WaitForAllAsync(recorder, logs, start, grown, "every certificate arrives after the RabbitMQ restart");

        // The ingestor is killed while it publishes a burst; a new one resumes from the feed cursors.
        foreach (var log in logs)
        {
            await simulator.GrowAsync(log.Name, 2 * QueueCapacity);
        }

        var burst = await simulator.LogsAsync();
        var before = logs.ToDictionary(l => l.Url, l => recorder.Count(l.Url));
        await Pulse.UntilAsync(() => logs.Any(l => recorder.Count(l.Url) >= before[l.Url] + BatchSize),
            Long, "the burst is being delivered", Ct, recorder.Changed);
        first.Process.Kill(); // SIGKILL: no shutdown code runs
        await first.Process.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);
        await system.StartIngestorAsync(redis, simulator, feedEnvironment);

        await simulator.SetRateAsync("*", 0);
        var final = await simulator.LogsAsync();
        Assert.All(final, l => Assert.True(l.TreeSize >= burst.Single(b => b.Url == l.Url).TreeSize));
        await WaitForAllAsync(recorder, logs, start, final, "every certificate arrives after the ingestor was killed");

        Assert.Empty(recorder.WrongIds());
        foreach (var log in logs)
        {
            var report = recorder.Describe(log.Url, start[log.Url], final.Single(f => f.Url == log.Url).TreeSize);
            TestContext.Current.TestOutputHelper?.WriteLine(report);
            // Each of the two interruptions repeats at most what was held unconfirmed (the backlog), plus
            // what the consumer had fetched ahead and not acknowledged when RabbitMQ stopped.
            Assert.True(recorder.Duplicates(log.Url) <= 2 * (QueueCapacity + 64), $"too many redeliveries: {report}");
        }
    }

    [Fact]
    public async Task With_the_feed_off_the_ingestor_loads_nothing_of_MassTransit_or_RabbitMQ()
    {
        await using var system = CertStreamSystem.Create();
        var redis = await system.StartRedisAsync();
        var simulator = await system.StartSimulatorAsync(new Dictionary<string, string> { ["Rfc6962Logs"] = "1", ["TiledLogs"] = "1", ["EntriesPerSecond"] = "20" });
        var ingestor = await system.StartIngestorAsync(redis, simulator);
        var logs = await simulator.LogsAsync();
        await Cursors.WaitForAsync(redis, logs, TimeSpan.FromSeconds(120));
        // Entries go through the live path (the feed's hook included) before the check.
        await Eventually.TrueAsync(async () => await ingestor.MetricAsync("certstream_ingestor_entries_published_total") > 0,
            TimeSpan.FromSeconds(120), "the ingestor publishes", Ct);

        var loaded = LoadedFiles(ingestor.Process.Pid);
        Assert.Contains("StackExchange.Redis.dll", loaded); // the check sees managed assemblies
        Assert.DoesNotContain(loaded, f => f.StartsWith("MassTransit", StringComparison.Ordinal) || f.StartsWith("RabbitMQ", StringComparison.Ordinal));
    }

    private static async Task<IHost> StartConsumerAsync(RabbitMqTestServer rabbit, FeedRecorder recorder)
    {
        var host = FeedConsumerApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:rabbitmq"] = rabbit.ConnectionString,
                ["FeedConsumer:QueueName"] = "feed-test-" + Guid.NewGuid().ToString("N")[..8],
                ["Logging:LogLevel:Default"] = "Warning",
            });
            builder.Services.AddSingleton<ICertificateObserver>(recorder);
            builder.Services.Configure<MassTransitHostOptions>(o => o.StartTimeout = Long);
        });
        await host.StartAsync(Ct);
        return host;
    }

    /// <summary>The feed cursor the ingestor saved for the log (its first live entry). Polled: Redis has no signal for it.</summary>
    private static async Task<long> WaitForFeedCursorAsync(IDatabase db, SimLogInfo log)
    {
        long cursor = -1;
        await Eventually.TrueAsync(async () =>
        {
            var value = await db.StringGetAsync(RedisNames.FeedCursorKey(Cursors.LogKey(log)));
            return !value.IsNull && value.TryParse(out cursor);
        }, Long, $"the feed cursor of {log.Name} is in Redis", Ct);
        return cursor;
    }

    private static async Task WaitForLiveCursorsAsync(IDatabase db, IReadOnlyList<SimLogInfo> logs, string because)
    {
        foreach (var log in logs)
        {
            await Eventually.TrueAsync(async () =>
            {
                var value = await db.HashGetAsync(RedisNames.LogStateKey(Cursors.LogKey(log)), RedisNames.StateNextIndex);
                return !value.IsNull && value.TryParse(out long next) && next >= log.TreeSize;
            }, Long, $"{because}: {log.Name} reaches {log.TreeSize}", Ct);
        }
    }

    private static async Task WaitForAllAsync(FeedRecorder recorder, IReadOnlyList<SimLogInfo> logs, Dictionary<string, long> start, IReadOnlyList<SimLogInfo> sizes, string because)
    {
        try
        {
            await Pulse.UntilAsync(() => logs.All(l => recorder.Missing(l.Url, start[l.Url], sizes.Single(s => s.Url == l.Url).TreeSize) == 0),
                Long, because, Ct, recorder.Changed);
        }
        catch (Xunit.Sdk.FailException)
        {
            Assert.Fail($"{because}: " + string.Join("; ", logs.Select(l => recorder.Describe(l.Url, start[l.Url], sizes.Single(s => s.Url == l.Url).TreeSize))));
        }
    }

    /// <summary>File names of what the process has mapped (its loaded managed assemblies among them).</summary>
    private static HashSet<string> LoadedFiles(int pid) =>
        [.. File.ReadAllLines($"/proc/{pid}/maps").Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length >= 6).Select(parts => Path.GetFileName(parts[^1]))];
}
