using System.Diagnostics;
using CertStream.Contracts;
using CertStream.CtLogSimulator;
using CertStream.Ingestor.Ct;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using StackExchange.Redis;

namespace CertStream.Tests.Ingestor;

/// <summary>Several ingestor replicas and restarts against one Redis.</summary>
[Collection(RedisCollection.Name)]
public sealed class IngestorReplicaTests(RedisFixture redis)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AKilledIngestorIsResumedFromTheSavedCursorWithNoGap()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var log = sim.AddRfc6962Log("killed", initialSize: 3000, pageCap: 50);
        await IngestorPipelineTests.SeedCursorAsync(redis.ConnectionString, log, 0);
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);

        using (var first = StartIngestorProcess(sim.LogListUrl))
        {
            await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 400, Patience, "the first process publishes", ct);
            first.Kill(entireProcessTree: true); // SIGKILL: no graceful stop, no lease release
            await first.WaitForExitAsync(ct);
        }

        var beforeRestart = recorder.For(log.Url).Count;
        var cursor = await ReadCursorAsync(log);
        Assert.InRange(cursor, 1, beforeRestart);

        using var second = StartIngestorProcess(sim.LogListUrl);
        try
        {
            await recorder.WaitForAsync(() => recorder.For(log.Url).Select(p => p.Index).Distinct().Count() == 3000,
                Patience, "the second process publishes the rest", ct);
        }
        finally
        {
            second.Kill(entireProcessTree: true);
        }

        var published = recorder.For(log.Url);
        var indexes = published.Select(p => p.Index).ToList();
        Assert.Equal(Enumerable.Range(0, 3000).Select(i => (long)i), indexes.Distinct().Order());
        // The first process published [0, beforeRestart) in order; the second resumed exactly at the saved cursor.
        Assert.Equal(Enumerable.Range(0, beforeRestart).Select(i => (long)i), indexes.Take(beforeRestart));
        Assert.Equal(cursor, indexes[beforeRestart]);
        Assert.Equal(Enumerable.Range((int)cursor, 3000 - (int)cursor).Select(i => (long)i), indexes.Skip(beforeRestart));
    }

    [Fact]
    public async Task TwoReplicasSplitTenLogsAndEachLogIsPolledByOneOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var logs = Enumerable.Range(0, 10).Select(i => i % 2 == 0
            ? sim.AddRfc6962Log($"split{i}", initialSize: 10, entriesPerSecond: 20)
            : sim.AddTiledLog($"split{i}", initialSize: 10, entriesPerSecond: 20)).ToArray();
        // Separate processes: in one process the two hosts' meters would share one name and mix.
        var a = $"http://127.0.0.1:{RedisTestServer.FreePort()}";
        var b = $"http://127.0.0.1:{RedisTestServer.FreePort()}";
        using var processA = StartIngestorProcess(sim.LogListUrl, a);
        using var processB = StartIngestorProcess(sim.LogListUrl, b);
        try
        {
            await AssertSplitAsync(logs, a, b, ct);
        }
        finally
        {
            processA.Kill(entireProcessTree: true);
            processB.Kill(entireProcessTree: true);
        }
    }

    private async Task AssertSplitAsync(SimulatedLog[] logs, string a, string b, CancellationToken ct)
    {
        using var http = new HttpClient();
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await http.GetStringAsync(a + "/health", ct);
                await http.GetStringAsync(b + "/health", ct);
                return true;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, Patience, "both replicas listen", ct);

        await Eventually.TrueAsync(async () =>
        {
            var (polledByA, polledByB) = (await PolledLogsAsync(http, a), await PolledLogsAsync(http, b));
            return polledByA.Count == 5 && polledByB.Count == 5;
        }, Patience, "each replica follows five logs", ct);

        // From here on, every log's request counter grows on one replica only.
        var before = (await RequestCountsAsync(http, a), await RequestCountsAsync(http, b));
        await Eventually.TrueAsync(async () =>
        {
            var a2 = await RequestCountsAsync(http, a);
            var b2 = await RequestCountsAsync(http, b);
            return logs.All(l => Grew(before.Item1, a2, l) || Grew(before.Item2, b2, l));
        }, Patience, "every log is polled", ct);
        var afterA = await RequestCountsAsync(http, a);
        var afterB = await RequestCountsAsync(http, b);
        foreach (var log in logs)
        {
            var key = CtLogInfo.KeyFromUrl(log.Url);
            Assert.True(Grew(before.Item1, afterA, log) ^ Grew(before.Item2, afterB, log),
                $"{log.Name} polled by exactly one replica: a {before.Item1.GetValueOrDefault(key)}->{afterA.GetValueOrDefault(key)}, b {before.Item2.GetValueOrDefault(key)}->{afterB.GetValueOrDefault(key)}");
        }

        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var holders = new HashSet<string>();
        foreach (var log in logs)
        {
            holders.Add((string)(await mux.GetDatabase().StringGetAsync(RedisNames.LogLeaseKey(CtLogInfo.KeyFromUrl(log.Url))))!);
        }

        Assert.Equal(2, holders.Count);
    }

    private static bool Grew(Dictionary<string, double> before, Dictionary<string, double> after, SimulatedLog log)
    {
        var key = CtLogInfo.KeyFromUrl(log.Url);
        return after.GetValueOrDefault(key) > before.GetValueOrDefault(key);
    }

    private static async Task<HashSet<string>> PolledLogsAsync(HttpClient http, string host) =>
        PrometheusText.Parse(await http.GetStringAsync(host + "/metrics")).Samples
            .Where(s => s.Name.StartsWith("certstream_ingestor_lag", StringComparison.Ordinal))
            .Select(s => s.Labels["log"]).ToHashSet();

    private static async Task<Dictionary<string, double>> RequestCountsAsync(HttpClient http, string host) =>
        PrometheusText.Parse(await http.GetStringAsync(host + "/metrics")).Samples
            .Where(s => s.Name == "certstream_ingestor_request_duration_seconds_count")
            .GroupBy(s => s.Labels["log"])
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Value));

    private async Task<long> ReadCursorAsync(SimulatedLog log)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        // (long?) and not (long): a missing cursor must not read as 0.
        return (long?)await mux.GetDatabase().HashGetAsync(RedisNames.LogStateKey(CtLogInfo.KeyFromUrl(log.Url)), RedisNames.StateNextIndex) ?? -1;
    }

    private Process StartIngestorProcess(string logListUrl, string url = "http://127.0.0.1:0")
    {
        var dll = Path.Combine(RepositoryRoot.Path, "CertStream.Ingestor", "bin", RepositoryRoot.BuildConfiguration, "net10.0", "CertStream.Ingestor.dll");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        psi.Environment["ConnectionStrings__redis"] = redis.ConnectionString;
        psi.Environment["CERTSTREAM_CT_LOGS_URL"] = logListUrl;
        psi.Environment["ct_log__poll_interval_ms"] = "50";
        // Realistic ratios: a 1 s TTL lapses on a loaded 2-core machine while a round runs.
        psi.Environment["ct_log__coordination_interval_ms"] = "300";
        psi.Environment["ct_log__lease_ttl_ms"] = "3000";
        psi.Environment["ct_log__batch_size"] = "100";
        psi.Environment["ct_log__catchup_max_age_secs"] = "0"; // the simulator's first entries are real, years old
        psi.Environment["ASPNETCORE_URLS"] = url;
        var process = Process.Start(psi)!;
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
