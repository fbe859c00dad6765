using System.Buffers;

namespace CertStream.Gateway.Transports.WebSockets;

/// <summary>The header of one client-to-server frame, parsed per RFC 6455 §5.2.</summary>
internal readonly record struct ClientFrameHeader(bool Fin, byte Opcode, long PayloadLength, uint MaskKey)
{
    public bool IsControl => (Opcode & 0x8) != 0;

    public enum Status
    {
        Complete,
        NeedMoreData,
        ProtocolError,
    }

    /// <summary>Reads a header; rejects what a client must never send (unmasked frames, RSV bits, unknown opcodes, bad control frames).</summary>
    public static Status TryRead(ref SequenceReader<byte> reader, out ClientFrameHeader header)
    {
        header = default;
        if (!reader.TryRead(out var b0) || !reader.TryRead(out var b1))
        {
            return Status.NeedMoreData;
        }

        var fin = (b0 & 0x80) != 0;
        var opcode = (byte)(b0 & 0x0F);
        if ((b0 & 0x70) != 0 || (b1 & 0x80) == 0 || opcode is > WebSocketFrames.Binary and < WebSocketFrames.Close or > WebSocketFrames.Pong)
        {
            return Status.ProtocolError;
        }

        long length = b1 & 0x7F;
        if ((opcode & 0x8) != 0 && (!fin || length > WebSocketFrames.MaxControlPayload))
        {
            return Status.ProtocolError; // control frames are never fragmented and at most 125 bytes
        }

        if (length == 126)
        {
            if (!reader.TryReadBigEndian(out short length16))
            {
                return Status.NeedMoreData;
            }

            length = (ushort)length16;
        }
        else if (length == 127)
        {
            if (!reader.TryReadBigEndian(out long length64))
            {
                return Status.NeedMoreData;
            }

            if (length64 < 0)
            {
                return Status.ProtocolError;
            }

            length = length64;
        }

        if (!reader.TryReadLittleEndian(out int mask))
        {
            return Status.NeedMoreData;
        }

        header = new ClientFrameHeader(fin, opcode, length, (uint)mask);
        return Status.Complete;
    }

    /// <summary>Copies a (small) payload out of the sequence and removes the client's mask.</summary>
    public void Unmask(ReadOnlySequence<byte> payload, Span<byte> destination)
    {
        payload.CopyTo(destination);
        Span<byte> key = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(key, MaskKey);
        for (var i = 0; i < (int)payload.Length; i++)
        {
            destination[i] ^= key[i & 3];
        }
    }
}
