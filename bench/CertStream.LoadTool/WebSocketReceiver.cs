using System.Buffers.Binary;
using System.Buffers.Text;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace CertStream.LoadTool;

/// <summary>
/// A minimal WebSocket client on a raw socket: handshake, then it parses server frames in place,
/// counts messages and records each one's delay from <c>seen</c>. Written by hand rather than with
/// ClientWebSocket so that 1,000 of them cost the shared two cores as little as possible.
/// </summary>
internal sealed class WebSocketReceiver(Socket socket, byte[] buffer, int start, int end, ReadPattern reader)
{
    private byte[] _buffer = buffer;
    private int _start = start;
    private int _end = end;

    private static ReadOnlySpan<byte> SeenKey => "\"seen\":"u8;

    private static ReadOnlySpan<byte> HeartbeatPrefix => "{\"message_type\":\"heartbeat\""u8;

    public long Received { get; private set; }

    public long ReceivedInWindow { get; private set; }

    public long Heartbeats { get; private set; }

    public long NonTextFrames { get; private set; }

    public string? Closed { get; private set; }

    /// <summary>How this client reads.</summary>
    public ReadPattern Reader => reader;

    public static async Task<WebSocketReceiver> ConnectAsync(Uri url, ReadPattern reader, int? receiveBuffer, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size)
        {
            socket.ReceiveBufferSize = size; // before connecting, so the window is negotiated with it
        }

        await socket.ConnectAsync(url.Host, url.Port, ct);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, ct);
        var buffer = new byte[reader.Size + (16 * 1024)]; // room for one recv after a partial frame
        var end = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, ct);
            if (read == 0)
            {
                throw new IOException("connection closed during the handshake");
            }

            end += read;
            var headerEnd = buffer.AsSpan(0, end).IndexOf("\r\n\r\n"u8);
            if (headerEnd < 0)
            {
                continue;
            }

            var head = Encoding.ASCII.GetString(buffer, 0, headerEnd);
            if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            {
                throw new IOException($"handshake refused: {head.Split('\r')[0]}");
            }

            return new WebSocketReceiver(socket, buffer, headerEnd + 4, end, reader);
        }
    }

    public async Task RunAsync(LatencyHistogram latency, MeasurementWindow window, CancellationToken ct)
    {
        try
        {
            while (Closed is null)
            {
                if (!await ParseFramesAsync(latency, window, ct))
                {
                    return;
                }

                if (_start > 0)
                {
                    _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                    _end -= _start;
                    _start = 0;
                }

                if (_buffer.Length - _end < reader.Size)
                {
                    Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _end + reader.Size));
                }

                // One recv of at most the pattern's size, like a client that reads with a fixed buffer.
                var read = await socket.ReceiveAsync(_buffer.AsMemory(_end, reader.Size), SocketFlags.None, ct);
                if (read == 0)
                {
                    Closed = "connection closed without a close frame";
                    return;
                }

                _end += read;
                if (reader.Interval > TimeSpan.Zero)
                {
                    await Task.Delay(reader.Interval, ct);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException ex)
        {
            Closed = ex.Message;
        }
        finally
        {
            socket.Dispose();
        }
    }

    private async ValueTask<bool> ParseFramesAsync(LatencyHistogram latency, MeasurementWindow window, CancellationToken ct)
    {
        while (_end - _start >= 2)
        {
            var b0 = _buffer[_start];
            long length = _buffer[_start + 1] & 0x7F;
            var header = 2;
            if (length == 126)
            {
                if (_end - _start < 4)
                {
                    return true;
                }

                length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start + 2));
                header = 4;
            }
            else if (length == 127)
            {
                if (_end - _start < 10)
                {
                    return true;
                }

                length = (long)BinaryPrimitives.ReadUInt64BigEndian(_buffer.AsSpan(_start + 2));
                header = 10;
            }

            if (_end - _start < header + length)
            {
                if (header + length > _buffer.Length)
                {
                    Array.Resize(ref _buffer, (int)(header + length) * 2);
                }

                return true;
            }

            var payload = _buffer.AsMemory(_start + header, (int)length);
            _start += header + (int)length;
            switch (b0 & 0x0F)
            {
                case 0x1:
                    OnText(payload.Span, latency, window);
                    break;
                case 0x8:
                    Closed = length >= 2 ? $"close {BinaryPrimitives.ReadUInt16BigEndian(payload.Span)} {Encoding.UTF8.GetString(payload.Span[2..])}" : "close";
                    return false;
                case 0x9:
                    await SendPongAsync(payload, ct);
                    break;
                case 0xA:
                    break;
                default:
                    NonTextFrames++;
                    break;
            }
        }

        return true;
    }

    private void OnText(ReadOnlySpan<byte> json, LatencyHistogram latency, MeasurementWindow window)
    {
        if (json.StartsWith(HeartbeatPrefix))
        {
            Heartbeats++;
            return;
        }

        Received++;
        var at = json.IndexOf(SeenKey);
        if (at < 0 || !Utf8Parser.TryParse(json[(at + SeenKey.Length)..], out double seen, out _))
        {
            return;
        }

        if (window.Contains(seen))
        {
            ReceivedInWindow++;
            latency.Record(LiteMessageFactory.Now() - seen);
        }
    }

    private async ValueTask SendPongAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        // Client frames are masked (RFC 6455 §5.3); a zero mask keeps the payload as it is.
        var frame = new byte[6 + payload.Length];
        frame[0] = 0x8A;
        frame[1] = (byte)(0x80 | payload.Length);
        payload.Span.CopyTo(frame.AsSpan(6));
        await socket.SendAsync(frame, SocketFlags.None, ct);
    }
}

/// <summary>The <c>seen</c> range of the measured messages (unix seconds).</summary>
internal sealed class MeasurementWindow
{
    private double _from = double.MaxValue;
    private double _until = double.MaxValue;

    public void Set(double from, double until)
    {
        Volatile.Write(ref _from, from);
        Volatile.Write(ref _until, until);
    }

    public bool Contains(double seen) => seen >= Volatile.Read(ref _from) && seen < Volatile.Read(ref _until);
}
