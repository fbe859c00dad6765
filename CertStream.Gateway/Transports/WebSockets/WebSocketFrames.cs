using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace CertStream.Gateway.Transports.WebSockets;

/// <summary>
/// RFC 6455 server-to-client frames (never masked, never fragmented, no extensions), written
/// straight into the connection's output buffer: header, then the payload copied once.
/// </summary>
internal static class WebSocketFrames
{
    public const byte Continuation = 0x0;
    public const byte Text = 0x1;
    public const byte Binary = 0x2;
    public const byte Close = 0x8;
    public const byte Ping = 0x9;
    public const byte Pong = 0xA;

    /// <summary>Largest payload of a control frame.</summary>
    public const int MaxControlPayload = 125;

    /// <summary>A text frame: a message (the <see cref="Fanout.MessageFramer"/> of shared batches).</summary>
    public static void WriteText(IBufferWriter<byte> output, ReadOnlySpan<byte> json) => Write(output, Text, json);

    public static void Write(IBufferWriter<byte> output, byte opcode, ReadOnlySpan<byte> payload)
    {
        var header = output.GetSpan(10);
        header[0] = (byte)(0x80 | opcode); // FIN
        int headerLength;
        if (payload.Length < 126)
        {
            header[1] = (byte)payload.Length;
            headerLength = 2;
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            header[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)payload.Length);
            headerLength = 4;
        }
        else
        {
            header[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(header[2..], (ulong)payload.Length);
            headerLength = 10;
        }

        output.Advance(headerLength);
        output.Write(payload);
    }

    /// <summary>A close frame with a status code and a reason (truncated to fit 125 bytes); code 0 sends an empty close.</summary>
    public static void WriteClose(IBufferWriter<byte> output, ushort code, string? reason)
    {
        Span<byte> payload = stackalloc byte[MaxControlPayload];
        if (code == 0)
        {
            Write(output, Close, []);
            return;
        }

        BinaryPrimitives.WriteUInt16BigEndian(payload, code);
        var length = 2;
        if (!string.IsNullOrEmpty(reason))
        {
            var text = reason.AsSpan();
            while (Encoding.UTF8.GetByteCount(text) > MaxControlPayload - 2)
            {
                text = text[..^1];
            }

            length += Encoding.UTF8.GetBytes(text, payload[2..]);
        }

        Write(output, Close, payload[..length]);
    }
}
