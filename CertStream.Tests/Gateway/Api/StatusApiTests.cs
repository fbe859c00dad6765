using System.Net;
using System.Text.Json;
using CertStream.CtLogSimulator;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Gateway.Api;

/// <summary>
/// <c>/api/logs</c> and <c>/api/stats</c> over real sockets: the real ingestor follows simulated logs
/// and reports to a private Redis, two real gateways report their clients, and either one answers
/// for the whole cluster.
/// </summary>
public sealed class StatusApiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    internal static readonly Dictionary<string, string?> FastReports = new() { ["status:report_interval_ms"] = "200" };

    [Fact]
    public async Task LogsShowEveryLogWithItsCursorLagHealthAndHolder()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisTestServer.StartAsync(ct);
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var rfc = sim.AddRfc6962Log("api-rfc", initialSize: 40);
        var tiled = sim.AddTiledLog("api-tiled", initialSize: 30);
        await StartFromZeroAsync(redis.ConnectionString, rfc, tiled);
        var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, FastReports, ct: ct);
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, FastReports, cancellationToken: ct);
        using var http = new HttpClient { BaseAddress = gateway.HttpUri };
        try
        {
            JsonElement logs = default;
            await Eventually.TrueAsync(async () =>
            {
                logs = await GetJsonAsync(http, "/api/logs", ct);
                return logs.GetProperty("logs").EnumerateArray().Count(l => l.GetProperty("following").GetBoolean() && l.GetProperty("lag").GetInt64() == 0
                    && l.GetProperty("next_index").GetInt64() == l.GetProperty("tree_size").GetInt64() && l.GetProperty("tree_size").GetInt64() > 0) == 2;
            }, Patience, "both logs followed and caught up in /api/logs", ct);

            Assert.True(logs.GetProperty("redis").GetBoolean());
            Assert.Equal(1, logs.GetProperty("ingestors").GetInt32());
            var rows = logs.GetProperty("logs").EnumerateArray().ToDictionary(l => l.GetProperty("key").GetString()!);
            var rfcRow = rows[CertStream.Ingestor.Ct.CtLogInfo.KeyFromUrl(rfc.Url)];
            var tiledRow = rows[CertStream.Ingestor.Ct.CtLogInfo.KeyFromUrl(tiled.Url)];
            Assert.Equal(40, rfcRow.GetProperty("tree_size").GetInt64());
            Assert.Equal(30, tiledRow.GetProperty("next_index").GetInt64());
            Assert.Equal("rfc6962", rfcRow.GetProperty("type").GetString());
            Assert.Equal("tiled", tiledRow.GetProperty("type").GetString());
            foreach (var row in new[] { rfcRow, tiledRow })
            {
                Assert.Equal("CertStream Simulator", row.GetProperty("operator").GetString());
                Assert.Equal("usable", row.GetProperty("state").GetString());
                Assert.Equal("healthy", row.GetProperty("circuit").GetString());
                Assert.StartsWith(Environment.MachineName + "-", row.GetProperty("ingestor").GetString());
                Assert.Equal(0, row.GetProperty("decode_failures").GetInt64());
                Assert.Equal(JsonValueKind.Null, row.GetProperty("integrity_failure").ValueKind);
            }

            Assert.Equal(40, rfcRow.GetProperty("published").GetInt64());
        }
        finally
        {
            // A replica that stops takes its report with it: the logs are listed by nobody.
            await ingestor.DisposeAsync();
        }

        await Eventually.TrueAsync(async () => (await GetJsonAsync(http, "/api/logs", ct)).GetProperty("ingestors").GetInt32() == 0,
            Patience, "the stopped replica's report gone", ct);
    }

    [Fact]
    public async Task StatsCountEveryNodesClientsByStreamAndProtocolAndWhatWasPublishedAndSent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisTestServer.StartAsync(ct);
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var log = sim.AddRfc6962Log("stats", initialSize: 10);
        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, FastReports, ct: ct);
        await using var first = await GatewayHost.StartAsync(redis.ConnectionString, FastReports, cancellationToken: ct);
        await using var second = await GatewayHost.StartAsync(redis.ConnectionString, FastReports, cancellationToken: ct);

        await using var domains = await WebSocketTestClient.ConnectAsync(new Uri($"ws://{first.HttpUri.Authority}/domains-only"), ct);
        await using var lite = await SseTestClient.ConnectAsync(new Uri(second.HttpUri, "/sse?stream=lite"), ct);
        using var http = new HttpClient { BaseAddress = first.HttpUri };

        JsonElement stats = default;
        await Eventually.TrueAsync(async () =>
        {
            stats = await GetJsonAsync(http, "/api/stats", ct);
            var cluster = stats.GetProperty("cluster");
            return cluster.GetProperty("gateways").GetInt32() == 2 && cluster.GetProperty("ingestors").GetInt32() == 1
                && cluster.GetProperty("clients").GetInt64() == 2;
        }, Patience, "both gateways, the ingestor and both clients in /api/stats", ct);

        var byStream = stats.GetProperty("cluster").GetProperty("clients_by_stream");
        Assert.Equal(1, byStream.GetProperty("domains").GetProperty("websocket").GetInt64());
        Assert.Equal(1, byStream.GetProperty("lite").GetProperty("sse").GetInt64());
        Assert.Equal(0, byStream.GetProperty("full").GetProperty("tcp").GetInt64());
        var node = stats.GetProperty("node");
        Assert.Equal(1, node.GetProperty("clients").GetInt64()); // the node asked: only its own WebSocket client
        Assert.True(node.GetProperty("uptime_secs").GetDouble() >= 0);
        Assert.Equal(2, stats.GetProperty("gateways").GetArrayLength());
        Assert.True(stats.GetProperty("redis").GetBoolean());

        // Certificates published while the clients watch (the log is followed from its tip, 10): counted as published and sent.
        await Eventually.TrueAsync(async () => (await GetJsonAsync(http, "/api/logs", ct)).GetProperty("logs")
            .EnumerateArray().Any(l => l.GetProperty("following").GetBoolean() && l.GetProperty("next_index").GetInt64() == 10),
            Patience, "the log followed from its tip", ct);
        log.Grow(25);
        await Eventually.TrueAsync(async () =>
        {
            stats = await GetJsonAsync(http, "/api/stats", ct);
            var cluster = stats.GetProperty("cluster");
            return cluster.GetProperty("published").GetInt64() >= 25 && cluster.GetProperty("sent").GetInt64() >= 50;
        }, Patience, "published and sent counts in /api/stats", ct);
        Assert.Equal(0, stats.GetProperty("cluster").GetProperty("dropped").GetInt64());
        Assert.True(stats.GetProperty("ingestors")[0].GetProperty("logs_followed").GetInt32() == 1);
    }

    internal static async Task StartFromZeroAsync(string redis, params SimulatedLog[] logs)
    {
        foreach (var log in logs)
        {
            await CertStream.Tests.Ingestor.IngestorPipelineTests.SeedCursorAsync(redis, log, 0);
        }
    }

    internal static async Task<JsonElement> GetJsonAsync(HttpClient http, string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return document.RootElement.Clone();
    }
}
