using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace CertStream.Tests.SystemTests.Support;

/// <summary>What a never-reading client finds when it finally reads everything the server left it.</summary>
public sealed record DrainResult(long Bytes, bool EndedByServer, WebSocketCloseStatus? CloseStatus, string? CloseReason);

/// <summary>
/// A client that subscribes and then never reads: a raw socket with a small receive buffer (so the
/// server sees it stall soon), speaking just enough WebSocket, SSE or raw TCP to subscribe.
/// </summary>
public sealed class NeverReadingClient : IAsyncDisposable
{
    private readonly Socket _socket;

    private NeverReadingClient(Transport transport, Socket socket)
    {
        Transport = transport;
        _socket = socket;
    }

    public Transport Transport { get; }

    public static async Task<NeverReadingClient> ConnectAsync(GatewayHandle gateway, Transport transport, string stream = "full")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        var host = $"127.0.0.1:{gateway.HttpPort}";
        var request = transport switch
        {
            Transport.WebSocket => $"GET {(stream == "full" ? "/full-stream" : "/")} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            Transport.Sse => $"GET /sse?stream={stream} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n",
            _ => stream == "full" ? "f" : "l",
        };
        await socket.ConnectAsync("127.0.0.1", transport == Transport.Tcp ? gateway.TcpPort : gateway.HttpPort, CertStreamSystem.Ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), CertStreamSystem.Ct);
        return new NeverReadingClient(transport, socket);
    }

    /// <summary>Reads everything left until the server ends the connection (or <paramref name="timeout"/>); finds a WebSocket close frame.</summary>
    public async Task<DrainResult> DrainAsync(TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(CertStreamSystem.Ct);
        cts.CancelAfter(timeout);
        using var all = new MemoryStream();
        var buffer = new byte[256 * 1024];
        var ended = false;
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer, cts.Token);
                if (read == 0)
                {
                    ended = true;
                    break;
                }

                all.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
            ended = true; // reset by the server
        }
        catch (OperationCanceledException) when (!CertStreamSystem.Ct.IsCancellationRequested)
        {
        }

        var (status, reason) = Transport == Transport.WebSocket ? FindClose(all.GetBuffer().AsSpan(0, (int)all.Length)) : (null, null);
        return new DrainResult(all.Length, ended, status, reason);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Walks the server's (unmasked) frames after the 101 response; returns the close frame's code and reason.</summary>
    private static (WebSocketCloseStatus?, string?) FindClose(ReadOnlySpan<byte> data)
    {
        var headersEnd = data.IndexOf("\r\n\r\n"u8);
        if (headersEnd < 0)
        {
            return (null, null);
        }

        var pos = headersEnd + 4;
        while (pos + 2 <= data.Length)
        {
            var opcode = data[pos] & 0x0F;
            long length = data[pos + 1] & 0x7F;
            var header = 2;
            if (length == 126)
            {
                if (pos + 4 > data.Length)
                {
                    break;
                }

                length = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
                header = 4;
            }
            else if (length == 127)
            {
                if (pos + 10 > data.Length)
                {
                    break;
                }

                length = (long)BinaryPrimitives.ReadUInt64BigEndian(data[(pos + 2)..]);
                header = 10;
            }

            if (pos + header + length > data.Length)
            {
                break;
            }

            if (opcode == 8)
            {
                var payload = data.Slice(pos + header, (int)length);
                return payload.Length >= 2
                    ? ((WebSocketCloseStatus)BinaryPrimitives.ReadUInt16BigEndian(payload), Encoding.UTF8.GetString(payload[2..]))
                    : (WebSocketCloseStatus.Empty, "");
            }

            pos += header + (int)length;
        }

        return (null, null);
    }
}
