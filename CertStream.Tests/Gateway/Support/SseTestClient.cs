using System.Net;
using System.Text;

namespace CertStream.Tests.Gateway.Support;

/// <summary>An SSE reader on a plain HttpClient: one <c>data: ...</c> event at a time, as bytes.</summary>
public sealed class SseTestClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly DelimitedReader _reader;

    private SseTestClient(HttpClient http, HttpResponseMessage response, Stream body)
    {
        _http = http;
        _response = response;
        _reader = new DelimitedReader(body, "\n\n"u8.ToArray());
    }

    public HttpResponseMessage Response => _response;

    /// <summary>
    /// Opens the stream; returns once the headers are in (the node is then subscribed).
    /// <paramref name="receiveBufferSize"/> (set before connecting) makes a client that does not read felt quickly.
    /// </summary>
    public static async Task<SseTestClient> ConnectAsync(Uri uri, CancellationToken ct, int? receiveBufferSize = null, string? lastEventId = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                if (receiveBufferSize is { } size)
                {
                    socket.ReceiveBufferSize = size;
                }

                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, token);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        var http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStreamAsync(ct);
        return new SseTestClient(http, response, body);
    }

    /// <summary>The next record (event or comment) as it came, without the blank line; null when the stream ended.</summary>
    public Task<byte[]?> ReadRecordAsync(CancellationToken ct) => _reader.ReadAsync(ct);

    /// <summary>The next event's data as bytes (comments skipped, as EventSource does), or null when the stream ended.</summary>
    public async Task<byte[]?> ReadEventAsync(CancellationToken ct)
    {
        var record = await _reader.ReadAsync(ct);
        while (record is [(byte)':', ..])
        {
            record = await _reader.ReadAsync(ct);
        }

        if (record is null)
        {
            return null;
        }

        if (record.AsSpan().StartsWith("id: "u8) && Array.IndexOf(record, (byte)'\n') is var end and >= 0)
        {
            record = record[(end + 1)..]; // the event's cursor (resume), which EventSource keeps apart from the data
        }

        var prefix = "data: "u8;
        Assert.True(record.AsSpan().StartsWith(prefix), "SSE event must be 'data: <json>': " + Encoding.UTF8.GetString(record));
        return record[prefix.Length..];
    }

    public ValueTask DisposeAsync()
    {
        _response.Dispose();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
