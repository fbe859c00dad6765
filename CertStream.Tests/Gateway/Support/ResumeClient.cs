using System.Net;
using System.Text;
using System.Text.Json;

namespace CertStream.Tests.Gateway.Support;

public enum ResumeTransport
{
    WebSocket,
    Sse,
    Tcp,
}

/// <summary>
/// One message as a resuming client sees it: its type, <c>data.cert_index</c> (-1 if none), the
/// <c>cursor</c> field, the SSE <c>id:</c> line, and for <c>messages_dropped</c> the count (null: unknown) and reason.
/// </summary>
public sealed record ReceivedMessage(string Type, long Index, string? Cursor, string? SseId, long? DroppedCount, string? Reason, string Json);

/// <summary>
/// A lite-stream client on any transport that connects with a resume cursor: WebSocket <c>/?since=</c>,
/// SSE <c>/sse</c> with <c>Last-Event-ID</c> (or <c>?since=</c>), raw TCP with the selector line
/// <c>l?since=…\n</c>. Heartbeats are skipped.
/// </summary>
public sealed class ResumeClient : IAsyncDisposable
{
    private readonly WebSocketTestClient? _ws;
    private readonly SseTestClient? _sse;
    private readonly TcpTestClient? _tcp;

    private ResumeClient(WebSocketTestClient? ws, SseTestClient? sse, TcpTestClient? tcp)
    {
        _ws = ws;
        _sse = sse;
        _tcp = tcp;
    }

    public static async Task<ResumeClient> ConnectAsync(ResumeTransport transport, int httpPort, int tcpPort, string? since, CancellationToken ct, string query = "")
    {
        var sinceQuery = since is null ? "" : "since=" + since;
        var all = string.Join('&', new[] { sinceQuery, query }.Where(q => q.Length > 0));
        switch (transport)
        {
            case ResumeTransport.WebSocket:
                return new ResumeClient(await WebSocketTestClient.ConnectAsync(new Uri($"ws://127.0.0.1:{httpPort}/" + (all.Length > 0 ? "?" + all : "")), ct), null, null);
            case ResumeTransport.Sse:
                // The browser's way: the cursor in Last-Event-ID, other options in the query.
                return new ResumeClient(null, await SseTestClient.ConnectAsync(new Uri($"http://127.0.0.1:{httpPort}/sse" + (query.Length > 0 ? "?" + query : "")), ct, lastEventId: since), null);
            default:
                var tcp = await TcpTestClient.ConnectAsync(tcpPort, null, ct);
                await tcp.SendAsync(Encoding.ASCII.GetBytes("l" + (all.Length > 0 ? "?" + all : "") + "\n"), ct);
                return new ResumeClient(null, null, tcp);
        }
    }

    /// <summary>The next message other than a heartbeat; null when the server ended the stream.</summary>
    public async Task<ReceivedMessage?> ReadAsync(CancellationToken ct)
    {
        while (true)
        {
            var (json, sseId) = await ReadRawAsync(ct);
            if (json is null)
            {
                return null;
            }

            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var type = root.GetProperty("message_type").GetString()!;
            if (type == "heartbeat")
            {
                continue;
            }

            var index = type == "certificate_update" && root.GetProperty("data").TryGetProperty("cert_index", out var i) ? i.GetInt64() : -1;
            var cursor = root.TryGetProperty("cursor", out var c) ? c.GetString() : null;
            long? count = null;
            string? reason = null;
            if (type == "messages_dropped")
            {
                var data = root.GetProperty("data");
                count = data.GetProperty("count").ValueKind == JsonValueKind.Null ? null : data.GetProperty("count").GetInt64();
                reason = data.GetProperty("reason").GetString();
            }

            return new ReceivedMessage(type, index, cursor, sseId, count, reason, Encoding.UTF8.GetString(json));
        }
    }

    private async Task<(byte[]? Json, string? SseId)> ReadRawAsync(CancellationToken ct)
    {
        if (_ws is not null)
        {
            try
            {
                var (type, payload) = await _ws.ReceiveAsync(ct);
                return type == System.Net.WebSockets.WebSocketMessageType.Close ? (null, null) : (payload, null);
            }
            catch (System.Net.WebSockets.WebSocketException)
            {
                return (null, null);
            }
        }

        if (_tcp is not null)
        {
            return (await _tcp.ReadLineAsync(ct), null);
        }

        while (true)
        {
            var record = await _sse!.ReadRecordAsync(ct);
            if (record is null)
            {
                return (null, null);
            }

            if (record is [(byte)':', ..])
            {
                continue; // a comment
            }

            string? id = null;
            var text = Encoding.UTF8.GetString(record);
            if (text.StartsWith("id: ", StringComparison.Ordinal))
            {
                var newline = text.IndexOf('\n');
                id = text[4..newline];
                text = text[(newline + 1)..];
            }

            Assert.StartsWith("data: ", text);
            return (Encoding.UTF8.GetBytes(text["data: ".Length..]), id);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ws is not null)
        {
            await _ws.DisposeAsync();
        }

        if (_sse is not null)
        {
            await _sse.DisposeAsync();
        }

        _tcp?.Dispose();
    }

    /// <summary>What an HTTP stream request with these resume parameters gets: the status code (200 or a refusal).</summary>
    public static async Task<HttpStatusCode> StatusAsync(Uri uri, string? lastEventId, CancellationToken ct)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        return response.StatusCode;
    }
}
