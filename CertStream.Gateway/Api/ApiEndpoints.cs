using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CertStream.Contracts;
using CertStream.Gateway.Telemetry;
using StackExchange.Redis;

namespace CertStream.Gateway.Api;

/// <summary>
/// <c>/api/logs</c> (every log, merged from the ingestors' reports), <c>/api/stats</c> (this node and
/// the cluster) and <c>/api/cert/{sha256|sha1}</c> (the certificate store). JSON, no caching, any
/// origin may read them. While Redis is unreachable the first two answer with what this node knows
/// (<c>"redis": false</c>), the third 503.
/// </summary>
internal static class ApiEndpoints
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    public static void MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/logs", LogsAsync);
        app.MapGet("/api/stats", StatsAsync);
        app.MapGet("/api/cert/{id}", CertAsync);
    }

    private static async Task LogsAsync(HttpContext context)
    {
        var (ingestors, ok) = await TryReadAsync(context, static (r, ct) => r.IngestorsAsync(ct));
        var logs = LogMerge.Merge(ingestors ?? []);
        await WriteJsonAsync(context, StatusCodes.Status200OK, new LogsResponse(ok, ingestors?.Count ?? 0, logs), ApiJson.Default.LogsResponse);
    }

    private static async Task StatsAsync(HttpContext context)
    {
        var node = context.RequestServices.GetRequiredService<NodeStats>().Current();
        var (gateways, gatewaysOk) = await TryReadAsync(context, static (r, ct) => r.GatewaysAsync(ct));
        var (ingestors, ingestorsOk) = await TryReadAsync(context, static (r, ct) => r.IngestorsAsync(ct));
        var nodes = (gateways ?? []).Where(g => g.Node != node.Node).Prepend(node).ToList(); // this node as of now
        var ingestorList = ingestors ?? [];
        var clientsByStream = StreamKinds.All.Select(StreamKinds.Name).ToDictionary(
            s => s,
            s => nodes.SelectMany(n => n.ClientsByStream.TryGetValue(s, out var p) ? p : new Dictionary<string, long>())
                .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value)));
        var cluster = new ClusterStats(
            Gateways: nodes.Count,
            Ingestors: ingestorList.Count,
            UptimeSecs: nodes.Max(n => n.UptimeSecs),
            CertificatesPerSecond: Math.Round(ingestorList.Sum(i => i.CertificatesPerSecond), 2),
            Published: ingestorList.Sum(i => i.Published),
            Clients: nodes.Sum(n => n.Clients),
            ClientsByStream: clientsByStream,
            Sent: nodes.Sum(n => n.Sent),
            Dropped: nodes.Sum(n => n.Dropped));
        var ingestorSummaries = ingestorList.Select(i => new IngestorSummary(
            i.Id, i.Started, i.Updated, Math.Round(Math.Max(0, i.Updated - i.Started), 1), i.CertificatesPerSecond, i.Published, i.LogsFollowed)).ToList();
        await WriteJsonAsync(context, StatusCodes.Status200OK, new StatsResponse(gatewaysOk && ingestorsOk, node, cluster, nodes, ingestorSummaries), ApiJson.Default.StatsResponse);
    }

    private static async Task CertAsync(HttpContext context, string id)
    {
        if (!CertificateId.TryParse(id, out var parsed))
        {
            await WriteJsonAsync(context, StatusCodes.Status400BadRequest,
                new ApiError("expected a SHA-256 (64 hex digits) or SHA-1/fingerprint (40 hex digits), any case, ':' between bytes allowed"), ApiJson.Default.ApiError);
            return;
        }

        var services = context.RequestServices;
        var time = services.GetRequiredService<TimeProvider>();
        RedisValue message;
        try
        {
            var db = services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
            var sha256 = parsed.IsSha256
                ? parsed.Hex
                : (string?)await db.StringGetAsync(RedisNames.CertSha1Key(parsed.Hex)).WaitAsync(ReadTimeout, time, context.RequestAborted);
            message = sha256 is null
                ? RedisValue.Null
                : await db.StringGetAsync(RedisNames.CertKey(sha256)).WaitAsync(ReadTimeout, time, context.RequestAborted);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            GatewayLog.ApiRedisFailed(Logger(context), context.Request.Path, ex.Message);
            await WriteJsonAsync(context, StatusCodes.Status503ServiceUnavailable, new ApiError("the certificate store (Redis) is unreachable"), ApiJson.Default.ApiError);
            return;
        }

        if (message.IsNull)
        {
            await WriteJsonAsync(context, StatusCodes.Status404NotFound, new ApiError("not seen recently (or not kept: the store is bounded)"), ApiJson.Default.ApiError);
            return;
        }

        SetHeaders(context.Response);
        await context.Response.Body.WriteAsync((ReadOnlyMemory<byte>)message, context.RequestAborted);
    }

    private static async Task<(T? Value, bool Ok)> TryReadAsync<T>(HttpContext context, Func<StatusReader, CancellationToken, Task<T>> read)
        where T : class
    {
        try
        {
            return (await read(context.RequestServices.GetRequiredService<StatusReader>(), context.RequestAborted), true);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            GatewayLog.ApiRedisFailed(Logger(context), context.Request.Path, ex.Message);
            return (null, false);
        }
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiEndpoints));

    private static void SetHeaders(HttpResponse response)
    {
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-cache";
        response.Headers.AccessControlAllowOrigin = "*";
    }

    private static async Task WriteJsonAsync<T>(HttpContext context, int status, T body, JsonTypeInfo<T> json)
    {
        context.Response.StatusCode = status;
        SetHeaders(context.Response);
        await JsonSerializer.SerializeAsync(context.Response.Body, body, json, context.RequestAborted);
    }
}
