using System.Net;
using CertStream.Contracts;

namespace CertStream.Gateway.Http;

/// <summary>
/// What a browser gets on a stream path: a short page saying what the endpoint is, not an error,
/// with the address to connect to as the client used it (through a trusted proxy: the proxy's).
/// </summary>
internal static class StreamInfoPage
{
    public static Task WriteAsync(HttpContext context, StreamKind kind)
    {
        var (path, title, what) = kind switch
        {
            StreamKind.Full => ("/full-stream", "full stream", "every certificate with its DER and chain"),
            StreamKind.Domains => ("/domains-only", "domains-only stream", "the domains of every certificate"),
            _ => ("/", "lite stream", "every certificate, without DER or chain"),
        };
        var (secure, host) = RequestOrigin.Of(context);
        var url = WebUtility.HtmlEncode($"{(secure ? "wss" : "ws")}://{host}{path}");
        var example = WebUtility.HtmlEncode(path.TrimEnd('/') + "/example.json");
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        return context.Response.WriteAsync($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>CertStream {title}</title></head>
            <body>
            <h1>CertStream {title}</h1>
            <p>This is a WebSocket endpoint streaming {what} seen in Certificate Transparency logs, one JSON message per frame.</p>
            <p>Connect with a WebSocket client, for example <code>websocat {url}</code>, or a certstream library.</p>
            <p>The newest message: <a href="{example}">{example}</a>.</p>
            </body></html>

            """);
    }
}
