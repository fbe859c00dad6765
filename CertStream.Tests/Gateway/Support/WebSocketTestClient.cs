using System.Net.WebSockets;

namespace CertStream.Tests.Gateway.Support;

/// <summary>A <see cref="ClientWebSocket"/> (the framework's client: strict about the server's frames) with whole-message reads.</summary>
public sealed class WebSocketTestClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly ClientWebSocket _socket;

    private WebSocketTestClient(ClientWebSocket socket) => _socket = socket;

    public ClientWebSocket Socket => _socket;

    /// <summary>Connects; with <paramref name="clientPings"/> false the client never pings (websocat, filebeat).</summary>
    public static async Task<WebSocketTestClient> ConnectAsync(Uri uri, CancellationToken ct, bool clientPings = true)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = clientPings ? TimeSpan.FromSeconds(15) : TimeSpan.Zero;
        await socket.ConnectAsync(uri, ct).WaitAsync(Timeout, ct);
        return new WebSocketTestClient(socket);
    }

    /// <summary>The next whole message and its type; a close frame gives <see cref="WebSocketMessageType.Close"/>.</summary>
    public async Task<(WebSocketMessageType Type, byte[] Payload)> ReceiveAsync(CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, ct).WaitAsync(Timeout, ct);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close)
            {
                return (result.MessageType, message.ToArray());
            }
        }
    }

    /// <summary>The next text message; fails on anything else.</summary>
    public async Task<byte[]> ReceiveTextAsync(CancellationToken ct)
    {
        var (type, payload) = await ReceiveAsync(ct);
        Assert.Equal(WebSocketMessageType.Text, type);
        return payload;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception ex) when (ex is WebSocketException or TimeoutException or OperationCanceledException)
            {
            }
        }

        _socket.Dispose();
    }
}
