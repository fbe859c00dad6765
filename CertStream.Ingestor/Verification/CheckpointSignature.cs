using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CertStream.Ingestor.Ct.StaticCt;

namespace CertStream.Ingestor.Verification;

/// <summary>
/// Verifies the log's RFC6962NoteSignature on a checkpoint (docs/ct-protocols.md §2.2): among the signature
/// lines, the one whose key name is the checkpoint's origin and whose key ID is
/// SHA-256(origin || 0x0A || 0x05 || LogID)[:4]; its body is timestamp (8) || DigitallySigned, over the
/// RFC 6962 tree head of the checkpoint's size and root. Other lines (grease, cosignatures, witnesses) are
/// ignored, as signed-note requires of unknown (name, key ID) pairs.
/// </summary>
public static class CheckpointSignature
{
    private const byte Rfc6962SignatureType = 0x05;

    private static ReadOnlySpan<byte> SignaturePrefix => "\u2014 "u8;

    /// <summary>True when a signature line of <paramref name="body"/> is <paramref name="key"/>'s over <paramref name="checkpoint"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> body, in Checkpoint checkpoint, LogKey key, out long timestampMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        timestampMs = 0;
        var split = body.LastIndexOf("\n\n"u8);
        if (split < 0)
        {
            return false;
        }

        Span<byte> keyId = stackalloc byte[4];
        KeyId(checkpoint.Origin, key.LogId, keyId);
        var name = Encoding.UTF8.GetBytes(checkpoint.Origin);
        var lines = body[(split + 2)..];
        while (!lines.IsEmpty)
        {
            var end = lines.IndexOf((byte)'\n');
            var line = end < 0 ? lines : lines[..end];
            lines = end < 0 ? [] : lines[(end + 1)..];
            if (!line.StartsWith(SignaturePrefix))
            {
                continue;
            }

            var rest = line[SignaturePrefix.Length..];
            var space = rest.IndexOf((byte)' ');
            if (space < 0 || !rest[..space].SequenceEqual(name))
            {
                continue;
            }

            var encoded = rest[(space + 1)..];
            var decoded = new byte[Base64.GetMaxDecodedFromUtf8Length(encoded.Length)];
            if (Base64.DecodeFromUtf8(encoded, decoded, out _, out var written) != OperationStatus.Done || written < 4 + 8 + 4
                || !decoded.AsSpan(0, 4).SequenceEqual(keyId))
            {
                continue;
            }

            var timestamp = BinaryPrimitives.ReadInt64BigEndian(decoded.AsSpan(4, 8));
            if (key.VerifyTreeHead(timestamp, checkpoint.TreeSize, checkpoint.RootHash.Span, decoded.AsSpan(12, written - 12)))
            {
                timestampMs = timestamp;
                return true;
            }
        }

        return false;
    }

    /// <summary>SHA-256(key name || 0x0A || 0x05 || LogID)[:4] (c2sp.org/signed-note, static-ct-api).</summary>
    public static void KeyId(string origin, ReadOnlySpan<byte> logId, Span<byte> destination)
    {
        var name = Encoding.UTF8.GetBytes(origin);
        var input = new byte[name.Length + 2 + logId.Length];
        name.CopyTo(input, 0);
        input[name.Length] = 0x0A;
        input[name.Length + 1] = Rfc6962SignatureType;
        logId.CopyTo(input.AsSpan(name.Length + 2));
        SHA256.HashData(input)[..4].CopyTo(destination);
    }
}
