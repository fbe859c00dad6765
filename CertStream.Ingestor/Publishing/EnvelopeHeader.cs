using System.Buffers.Binary;

namespace CertStream.Ingestor.Publishing;

/// <summary>
/// The fixed 5-byte header of the stream envelope (docs/wire-format.md, "Stream envelope"): version 1, kind, flags,
/// total header length (little-endian). Only what the log_integrity events need: kind, no flags, no variable part.
/// A minimal local writer until the shared one in CertStream.Contracts exists; the two must agree byte for byte.
/// </summary>
public static class EnvelopeHeader
{
    public const byte Version = 0x01;
    public const int FixedLength = 5;

    /// <summary>Kind 0: a certificate message (<c>certificate_update</c>, <c>dns_entries</c>).</summary>
    public const byte CertificateKind = 0;

    /// <summary>Kind 1: a <c>log_integrity</c> event, delivered only to clients that ask for it.</summary>
    public const byte LogIntegrityKind = 1;

    /// <summary>Header (no variable part) followed by <paramref name="json"/>.</summary>
    public static byte[] Wrap(byte kind, ReadOnlySpan<byte> json)
    {
        var payload = new byte[FixedLength + json.Length];
        payload[0] = Version;
        payload[1] = kind;
        payload[2] = 0; // flags: none apply to events
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(3, 2), FixedLength);
        json.CopyTo(payload.AsSpan(FixedLength));
        return payload;
    }
}
