using System.Text.Json;
using CertStream.Gateway.Options;
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
        // The default encoder escapes <, > and &, so the JSON cannot end the <script> element it sits in.
        var config = JsonSerializer.Serialize(new
        {
            websocket = protocols.WebSocket,
            sse = protocols.Sse,
            tcp = protocols.Tcp,
            tcp_port = protocols.TcpPort,
        });
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(Template.Value.Replace("{{config}}", config, StringComparison.Ordinal));
    }

    private static string LoadTemplate()
    {
        using var stream = typeof(LivePage).Assembly.GetManifestResourceStream("CertStream.Gateway.Api.LivePage.html")
            ?? throw new InvalidOperationException("The live page is not embedded in the gateway assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
