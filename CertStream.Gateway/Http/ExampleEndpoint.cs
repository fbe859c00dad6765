using CertStream.Contracts;
using CertStream.Contracts.Envelope;
using CertStream.Gateway.Telemetry;
using StackExchange.Redis;

namespace CertStream.Gateway.Http;

/// <summary>
/// <c>/example.json</c>, <c>/full-stream/example.json</c>, <c>/domains-only/example.json</c>: the
/// newest message of the stream, as the ingestors stored it in Redis; 503 with <c>null</c> before
/// the first one (or while Redis is unreachable).
/// </summary>
internal static class ExampleEndpoint
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    public static RequestDelegate For(StreamKind kind) => context => WriteAsync(context, kind);

    private static async Task WriteAsync(HttpContext context, StreamKind kind)
    {
        var services = context.RequestServices;
        var key = RedisNames.ExampleKey(kind);
        RedisValue value;
        try
        {
            value = await services.GetRequiredService<IConnectionMultiplexer>().GetDatabase()
                .StringGetAsync(key).WaitAsync(ReadTimeout, services.GetRequiredService<TimeProvider>(), context.RequestAborted);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            GatewayLog.ExampleReadFailed(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ExampleEndpoint)), key, ex);
            value = RedisValue.Null;
        }

        var response = context.Response;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-cache";
        response.Headers.AccessControlAllowOrigin = "*";
        if (value.IsNull)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await response.Body.WriteAsync("null"u8.ToArray(), context.RequestAborted);
            return;
        }

        // Stored as published (envelope header + JSON, or JSON from an older ingestor): the JSON only.
        var stored = (ReadOnlyMemory<byte>)value;
        var offset = Math.Max(0, StreamEnvelope.JsonOffset(stored.Span));
        await response.Body.WriteAsync(stored[offset..], context.RequestAborted);
    }
}
