using CertStream.Gateway.Fanout;

namespace CertStream.Gateway.Transports.Sse;

/// <summary><c>/sse?stream=lite|full|domains</c> (default lite): the stream as Server-Sent Events.</summary>
internal static class SseEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
        var requested = context.Request.Query["stream"].ToString();
        if (!StreamNames.TryParse(requested, out var kind))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync($"Unknown stream '{requested}': use stream=lite, full or domains.\n");
            return;
        }

        await StreamSession.RunHttpAsync(context, TransportProtocol.Sse, kind,
            (topic, services, digest, filter) => new SseClient(topic, context, services) { TokenDigest = digest, Filter = filter },
            async client =>
            {
                var response = context.Response;
                response.ContentType = "text/event-stream";
                response.Headers.CacheControl = "no-cache";
                response.Headers.AccessControlAllowOrigin = "*";
                response.Headers["X-Accel-Buffering"] = "no"; // nginx: do not buffer the stream
                // Headers out now: a client that sees them is subscribed.
                await response.StartAsync(context.RequestAborted);
                await response.BodyWriter.FlushAsync(context.RequestAborted);
                await client.RunAsync();
            });
    }
}
