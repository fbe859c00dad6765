using System.Net;
using System.Text;
using System.Text.Json;
using CertStream.Contracts;
using CertStream.Gateway.Http;
using CertStream.Gateway.Options;
using CertStream.Gateway.Transports;
using CertStream.Gateway.Transports.Tcp;
using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Api;

/// <summary>
/// What a browser gets on <c>/</c> (a plain GET, no upgrade): one self-contained page (no external
/// script, style or font: it must work without internet) that shows the domains-only stream scrolling,
/// the cluster's numbers and logs from <c>/api/stats</c> and <c>/api/logs</c>, an example message and
/// how to connect. Its script uses the page's own origin, so through the proxy it talks to the proxy.
/// The only server-side part is which transports this node serves.
/// </summary>
internal static class LivePage
{
    private static readonly Lazy<string> Template = new(LoadTemplate);

    public static Task WriteAsync(HttpContext context)
    {
        var protocols = context.RequestServices.GetRequiredService<IOptions<ProtocolOptions>>().Value;
        // The bound port (tcp_port 0 picks a free one).
        var tcpPort = context.RequestServices.GetService<TcpStreamListener>()?.Port ?? protocols.TcpPort;
        // The default encoder escapes <, > and &, so the JSON cannot end the <script> element it sits in.
        var config = JsonSerializer.Serialize(new LivePageConfig(protocols.WebSocket, protocols.Sse, protocols.Tcp, tcpPort), ApiJson.Default.LivePageConfig);
        var html = Template.Value.Replace("{{config}}", config, StringComparison.Ordinal)
            .Replace("{{connect}}", ConnectItems(context, protocols, tcpPort), StringComparison.Ordinal);
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(html);
    }

    /// <summary>
    /// The addresses as the request named them (through a trusted proxy: the forwarded host), for
    /// readers without script; the page's script writes them again from the browser's own address.
    /// </summary>
    private static string ConnectItems(HttpContext context, ProtocolOptions protocols, int tcpPort)
    {
        var (secure, host) = RequestOrigin.Of(context);
        var ws = $"{(secure ? "wss" : "ws")}://{host}";
        var http = $"{(secure ? "https" : "http")}://{host}";
        var items = new StringBuilder();
        void Item(string label, string command) =>
            items.Append("<li>").Append(WebUtility.HtmlEncode(label)).Append(": <code>").Append(WebUtility.HtmlEncode(command)).Append("</code></li>");
        if (protocols.WebSocket)
        {
            foreach (var kind in StreamKinds.All)
            {
                Item("WebSocket, " + StreamKinds.Name(kind), ws + StreamNames.Path(kind));
            }
        }

        if (protocols.Sse)
        {
            foreach (var kind in StreamKinds.All)
            {
                Item("SSE, " + StreamKinds.Name(kind), $"{http}/sse?stream={StreamKinds.Name(kind)}");
            }
        }

        if (protocols.Tcp)
        {
            Item("TCP (JSON lines; send one byte l, f or d to pick the stream; straight to a gateway, not through the proxy)",
                $"nc {RequestHostName(host)} {tcpPort}");
        }

        if (protocols.WebSocket)
        {
            Item("Example", $"websocat {ws}/");
        }

        return items.ToString();
    }

    private static string RequestHostName(string host)
    {
        var colon = host.LastIndexOf(':');
        return colon > 0 && !host.EndsWith(']') ? host[..colon] : host;
    }

    private static string LoadTemplate()
    {
        using var stream = typeof(LivePage).Assembly.GetManifestResourceStream("CertStream.Gateway.Api.LivePage.html")
            ?? throw new InvalidOperationException("The live page is not embedded in the gateway assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
