using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using CertStream.Gateway.Telemetry;
using CertStream.Tests.Gateway.Support;

namespace CertStream.Tests.Gateway.Access.Support;

/// <summary>Clients that may be refused: they report the status instead of failing on it.</summary>
public static class AccessClients
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>A WebSocket handshake with optional headers: the open socket, or the refusal's HTTP status.</summary>
    public static async Task<(ClientWebSocket? Socket, HttpStatusCode Status, IReadOnlyDictionary<string, IEnumerable<string>>? Headers)> WebSocketAsync(
        Uri uri, CancellationToken ct, params (string Name, string Value)[] headers)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        foreach (var (name, value) in headers)
        {
            socket.Options.SetRequestHeader(name, value);
        }

        try
        {
            await socket.ConnectAsync(uri, ct).WaitAsync(Timeout, ct);
            return (socket, socket.HttpStatusCode, socket.HttpResponseHeaders);
        }
        catch (WebSocketException)
        {
            var result = (socket.HttpStatusCode, socket.HttpResponseHeaders);
            socket.Dispose();
            return (null, result.HttpStatusCode, result.HttpResponseHeaders);
        }
    }

    /// <summary>GET with optional headers, returning once the headers are in (an SSE stream stays open).</summary>
    public static async Task<(HttpClient Client, HttpResponseMessage Response)> GetAsync(Uri uri, CancellationToken ct, params (string Name, string Value)[] headers)
    {
        var http = new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).WaitAsync(Timeout, ct);
        return (http, response);
    }

    /// <summary>Status of a plain GET.</summary>
    public static async Task<HttpResponseMessage> StatusAsync(Uri uri, CancellationToken ct, params (string Name, string Value)[] headers)
    {
        var (http, response) = await GetAsync(uri, ct, headers);
        using (http)
        {
            await response.Content.LoadIntoBufferAsync(ct);
            return response;
        }
    }

    /// <summary>A raw TCP connection that first writes <paramref name="preamble"/> (e.g. "AUTH t\nf").</summary>
    public static async Task<(TcpClient Client, DelimitedReader Reader)> TcpAsync(int port, string preamble, CancellationToken ct)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, ct);
        if (preamble.Length > 0)
        {
            await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(preamble), ct);
        }

        return (client, new DelimitedReader(client.GetStream(), "\n"u8.ToArray()));
    }

    /// <summary>Refusals counted in /metrics for a reason (and protocol, if given).</summary>
    public static async Task<double> RefusedAsync(GatewayHost gateway, string reason, string? protocol, CancellationToken ct, string? token = null)
    {
        using var http = new HttpClient();
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        var text = await http.GetStringAsync(gateway.Http("/metrics"), ct);
        var metrics = PrometheusText.Parse(text);
        var name = PrometheusName(GatewayMetrics.RefusedName);
        return protocol is null ? metrics.Sum(name, ("reason", reason)) : metrics.Sum(name, ("reason", reason), ("protocol", protocol));
    }

    private static string PrometheusName(string otelName) => otelName.Replace('.', '_') + "_total";
}
