using System.Net;
using CertStream.Contracts;
using CertStream.Gateway.Transports;

namespace CertStream.Gateway.Http;

/// <summary>
/// What a browser gets on <c>/full-stream</c> and <c>/domains-only</c> (<c>/</c> gets the live page): a short page saying what the endpoint is, not an error,
/// with the address to connect to as the client used it (through a trusted proxy: the proxy's).
/// </summary>
internal static class StreamInfoPage
{
    public static Task WriteAsync(HttpContext context, StreamKind kind)
    {
        if (kind == StreamKind.Lite)
        {
            return Api.LivePage.WriteAsync(context); // "/" is also the site's front page
        }

        var (title, what) = kind switch
        {
            StreamKind.Full => ("full stream", "every certificate with its DER and chain"),
            StreamKind.Domains => ("domains-only stream", "the domains of every certificate"),
            _ => ("lite stream", "every certificate, without DER or chain"),
        };
        var path = StreamNames.Path(kind);
        var (secure, host) = RequestOrigin.Of(context);
        var url = WebUtility.HtmlEncode($"{(secure ? "wss" : "ws")}://{host}{path}");
        var example = WebUtility.HtmlEncode(StreamNames.ExamplePath(kind));
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
