using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace CertStream.Ingestor.Ct.StaticCt;

/// <summary>
/// Parses the signed note served at <c>&lt;monitoring_url&gt;checkpoint</c> (docs/ct-protocols.md §2.2):
/// the note text (origin, decimal size, base64 root hash, optional extension lines that are ignored),
/// a blank line, then signature lines <c>— name base64</c>, which are checked for shape only.
/// Signatures are not verified here.
/// </summary>
public static class CheckpointParser
{
    /// <summary>Checkpoints are a few hundred bytes; anything much larger is not one.</summary>
    public const int MaxBytes = 64 * 1024;

    private static ReadOnlySpan<byte> SignaturePrefix => "\u2014 "u8;

    /// <summary>Parses a checkpoint body. Throws <see cref="CtDecodeException"/> on anything malformed.</summary>
    public static Checkpoint Parse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            throw Fail("empty body");
        }

        if (body.Length > MaxBytes)
        {
            throw Fail($"{body.Length} bytes is more than the {MaxBytes} a checkpoint can be");
        }

        if (!Utf8.IsValid(body))
        {
            throw Fail("not valid UTF-8");
        }

        // signed-note: the text ends at the last blank line; what follows are signature lines.
        var split = body.LastIndexOf("\n\n"u8);
        var text = split < 0 ? body : body[..(split + 1)];
        var signatures = split < 0 ? [] : body[(split + 2)..];
        if (text[^1] != (byte)'\n')
        {
            throw Fail("the note text does not end with a newline");
        }

        foreach (var b in text)
        {
            if ((b < 0x20 && b != (byte)'\n') || b == 0x7F)
            {
                throw Fail($"control character 0x{b:x2} in the note text");
            }
        }

        var origin = NextLine(ref text, "origin");
        var size = NextLine(ref text, "tree size");
        var hash = NextLine(ref text, "root hash");
        while (!text.IsEmpty)
        {
            // Extension lines are allowed by tlog-checkpoint and ignored; blank lines are not allowed in the text.
            NextLine(ref text, "extension line");
        }

        CheckSignatures(signatures);
        return new Checkpoint(Encoding.UTF8.GetString(origin), ParseSize(size), ParseRootHash(hash));
    }

    private static ReadOnlySpan<byte> NextLine(ref ReadOnlySpan<byte> text, string what)
    {
        var end = text.IndexOf((byte)'\n');
        if (end < 0)
        {
            throw Fail($"missing {what} line");
        }

        if (end == 0)
        {
            throw Fail($"empty {what} line");
        }

        var line = text[..end];
        text = text[(end + 1)..];
        return line;
    }

    private static long ParseSize(ReadOnlySpan<byte> line)
    {
        // Decimal without leading zeros (tlog-checkpoint); a uint64 beyond long.MaxValue is no real tree.
        if (line.Length > 19 || (line.Length > 1 && line[0] == (byte)'0')
            || !long.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw Fail($"tree size '{Encoding.UTF8.GetString(line)}' is not a decimal integer without leading zeros");
        }

        return size;
    }

    private static byte[] ParseRootHash(ReadOnlySpan<byte> line)
    {
        var hash = new byte[32];
        if (line.Length != 44
            || Base64.DecodeFromUtf8(line, hash, out var consumed, out var written) != OperationStatus.Done
            || consumed != line.Length || written != 32)
        {
            throw Fail($"root hash '{Encoding.UTF8.GetString(line)}' is not the base64 of 32 bytes");
        }

        return hash;
    }

    private static void CheckSignatures(ReadOnlySpan<byte> signatures)
    {
        while (!signatures.IsEmpty)
        {
            var end = signatures.IndexOf((byte)'\n');
            if (end < 0)
            {
                throw Fail("the last signature line does not end with a newline");
            }

            var line = signatures[..end];
            signatures = signatures[(end + 1)..];
            if (!line.StartsWith(SignaturePrefix))
            {
                throw Fail("a signature line does not start with '\u2014 '");
            }

            // "— <key name> <base64(key ID || signature)>": a name without spaces, then at least 5 bytes.
            var rest = line[SignaturePrefix.Length..];
            var space = rest.IndexOf((byte)' ');
            var signature = space < 0 ? [] : rest[(space + 1)..];
            if (space <= 0 || signature.IsEmpty || signature.IndexOf((byte)' ') >= 0
                || !Base64.IsValid(signature, out var decodedLength) || decodedLength < 5)
            {
                throw Fail($"malformed signature line '{Encoding.UTF8.GetString(line)}'");
            }
        }
    }

    private static CtDecodeException Fail(string why) => new($"checkpoint: {why}");
}
