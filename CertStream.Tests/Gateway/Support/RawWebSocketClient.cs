using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace CertStream.Tests.Gateway.Support;

/// <summary>
/// A WebSocket client on a bare socket, for what <see cref="System.Net.WebSockets.ClientWebSocket"/>
/// hides: seeing ping frames, not answering them, sending malformed or oversized frames, and not
/// reading at all (with a small receive buffer, so the server feels it quickly).
/// </summary>
public sealed class RawWebSocketClient : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private byte[] _pending = [];

    private RawWebSocketClient(Socket socket) => _socket = socket;

    /// <summary>This end's port: the gateway's client with this port in its <c>Remote</c> is this one.</summary>
    public int LocalPort => ((System.Net.IPEndPoint)_socket.LocalEndPoint!).Port;

    internal bool Is(CertStream.Gateway.Fanout.ClientConnection client) => client.Remote.EndsWith(":" + LocalPort, StringComparison.Ordinal);

    public sealed record Frame(bool Fin, byte Opcode, byte[] Payload)
    {
        public bool IsText => Opcode == 0x1;
        public bool IsClose => Opcode == 0x8;
        public bool IsPing => Opcode == 0x9;
        public bool IsPong => Opcode == 0xA;
        public int CloseCode => Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : 0;
        public string CloseReason => Payload.Length > 2 ? Encoding.UTF8.GetString(Payload, 2, Payload.Length - 2) : "";
        public string Text => Encoding.UTF8.GetString(Payload);
    }

    public static async Task<RawWebSocketClient> ConnectAsync(Uri uri, CancellationToken ct, int? receiveBufferSize = null)
    {
        // No Nagle: the fake clock runs minutes of pings in milliseconds, and Nagle would hold a
        // pong back until the previous one is acknowledged (real clients set TCP_NODELAY too).
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize is { } size)
        {
            socket.ReceiveBufferSize = size; // before connect, so the advertised window is small too
        }

        await socket.ConnectAsync(uri.Host, uri.Port, ct);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, ct);
        var client = new RawWebSocketClient(socket);
        var head = await client.ReadHeadAsync(ct);
        Assert.StartsWith("HTTP/1.1 101", head);
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        Assert.Contains("Sec-WebSocket-Accept: " + accept, head, StringComparison.OrdinalIgnoreCase);
        return client;
    }

    /// <summary>The next frame, or null when the server closed the TCP connection.</summary>
    public async Task<Frame?> ReadFrameAsync(CancellationToken ct)
    {
        if (!await FillAsync(2, ct))
        {
            return null;
        }

        var b0 = _pending[0];
        long length = _pending[1] & 0x7F;
        Assert.True((_pending[1] & 0x80) == 0, "server frames must not be masked");
        Assert.True((b0 & 0x70) == 0, "server frames must not set RSV bits");
        var header = 2;
        if (length == 126)
        {
            await FillAsync(4, ct);
            length = BinaryPrimitives.ReadUInt16BigEndian(_pending.AsSpan(2));
            header = 4;
        }
        else if (length == 127)
        {
            await FillAsync(10, ct);
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(_pending.AsSpan(2));
            header = 10;
        }

        Assert.True(await FillAsync(header + (int)length, ct), "connection closed inside a frame");
        var payload = _pending.AsSpan(header, (int)length).ToArray();
        _pending = _pending[(header + (int)length)..];
        return new Frame((b0 & 0x80) != 0, (byte)(b0 & 0x0F), payload);
    }

    /// <summary>Reads frames until one matches (skipping e.g. heartbeats); fails if the connection ends first.</summary>
    public async Task<Frame> ReadUntilAsync(Func<Frame, bool> match, CancellationToken ct)
    {
        while (true)
        {
            var frame = await ReadFrameAsync(ct) ?? throw new Xunit.Sdk.XunitException("connection closed before the expected frame");
            if (match(frame))
            {
                return frame;
            }
        }
    }

    /// <summary>Sends one frame; client frames are masked unless a test wants to break the rules.</summary>
    public async Task SendFrameAsync(byte opcode, byte[] payload, CancellationToken ct, bool fin = true, bool mask = true)
    {
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | opcode) };
        var maskBit = (byte)(mask ? 0x80 : 0);
        if (payload.Length < 126)
        {
            frame.Add((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame.Add((byte)(maskBit | 126));
            frame.Add((byte)(payload.Length >> 8));
            frame.Add((byte)payload.Length);
        }
        else
        {
            frame.Add((byte)(maskBit | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            frame.AddRange(length);
        }

        var key = RandomNumberGenerator.GetBytes(4);
        if (mask)
        {
            frame.AddRange(key);
        }

        for (var i = 0; i < payload.Length; i++)
        {
            frame.Add(mask ? (byte)(payload[i] ^ key[i & 3]) : payload[i]);
        }

        await _socket.SendAsync(frame.ToArray(), SocketFlags.None, ct);
    }

    public Task SendCloseAsync(ushort code, CancellationToken ct)
    {
        var payload = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, code);
        return SendFrameAsync(0x8, payload, ct);
    }

    public void Dispose() => _socket.Dispose();

    private async Task<string> ReadHeadAsync(CancellationToken ct)
    {
        while (true)
        {
            var end = _pending.AsSpan().IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                var head = Encoding.ASCII.GetString(_pending, 0, end);
                _pending = _pending[(end + 4)..];
                return head;
            }

            Assert.True(await FillAsync(_pending.Length + 1, ct), "connection closed during the handshake");
        }
    }

    private async Task<bool> FillAsync(int count, CancellationToken ct)
    {
        while (_pending.Length < count)
        {
            var read = await _socket.ReceiveAsync(_buffer, SocketFlags.None, ct).AsTask().WaitAsync(Timeout, ct);
            if (read == 0)
            {
                return false;
            }

            _pending = [.. _pending, .. _buffer.AsSpan(0, read)];
        }

        return true;
    }
}
