using CertStream.Contracts;
using CertStream.Gateway.Access;
using CertStream.Gateway.Fanout;

namespace CertStream.Gateway.Transports.Sse;

/// <summary><c>/sse?stream=lite|full|domains</c> (default lite): the stream as Server-Sent Events.</summary>
internal static class SseEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
        var requested = context.Request.Query["stream"].ToString();
        if (!TryParseStream(requested, out var kind))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync($"Unknown stream '{requested}': use stream=lite, full or domains.\n");
            return;
        }

        await using var slot = await StreamAdmission.AdmitAsync(context, "sse");
        if (slot is null)
        {
            return;
        }

        var hub = context.RequestServices.GetRequiredService<StreamHub>();
        StreamingRequest.DisableDataRateLimits(context);
        var client = new SseClient(hub.Topic(kind), context, hub.Services) { TokenDigest = context.Features.Get<AuthenticatedToken>()?.Digest };
        if (!await hub.RegisterAsync(client, context.RequestAborted))
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        try
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
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            client.RequestClose(DisconnectReason.ClientClosed);
        }
        finally
        {
            await hub.UnregisterAsync(client);
        }
    }

    private static bool TryParseStream(string value, out StreamKind kind)
    {
        switch (value.ToLowerInvariant())
        {
            case "" or "lite":
                kind = StreamKind.Lite;
                return true;
            case "full" or "full-stream":
                kind = StreamKind.Full;
                return true;
            case "domains" or "domains-only":
                kind = StreamKind.Domains;
                return true;
            default:
                kind = StreamKind.Lite;
                return false;
        }
    }
}
