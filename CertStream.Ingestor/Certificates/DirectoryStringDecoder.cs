using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Text;
using System.Text.Unicode;

namespace CertStream.Ingestor.Certificates;

/// <summary>
/// Turns the raw content of an ASN.1 string (DirectoryString, IA5String …) into valid UTF-8,
/// never throwing: certificates in the wild carry invalid UTF-8, Latin-1 in T61String, lone
/// surrogates in BMPString. Invalid sequences become U+FFFD; T61String that is not UTF-8 is read
/// as Latin-1 (what issuers actually put there).
/// </summary>
internal static class DirectoryStringDecoder
{
    private static ReadOnlySpan<byte> Replacement => [0xEF, 0xBF, 0xBD];

    public static void Append(UniversalTagNumber type, ReadOnlySpan<byte> raw, Utf8Builder output)
    {
        switch (type)
        {
            case UniversalTagNumber.BMPString:
                AppendUtf16BigEndian(raw, output);
                break;
            case UniversalTagNumber.UniversalString:
                AppendUtf32BigEndian(raw, output);
                break;
            case UniversalTagNumber.T61String when !Utf8.IsValid(raw):
                AppendLatin1(raw, output);
                break;
            default:
                AppendUtf8Lenient(raw, output);
                break;
        }
    }

    /// <summary>Copies <paramref name="raw"/> when it is valid UTF-8, else replaces the invalid parts.</summary>
    public static void AppendUtf8Lenient(ReadOnlySpan<byte> raw, Utf8Builder output)
    {
        if (Utf8.IsValid(raw))
        {
            output.Append(raw);
            return;
        }

        while (!raw.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(raw, out _, out var consumed);
            if (status == System.Buffers.OperationStatus.Done)
            {
                output.Append(raw[..consumed]);
            }
            else
            {
                output.Append(Replacement);
            }

            raw = raw[Math.Max(consumed, 1)..];
        }
    }

    private static void AppendLatin1(ReadOnlySpan<byte> raw, Utf8Builder output)
    {
        var span = output.GetSpan(raw.Length * 2);
        var n = 0;
        foreach (var b in raw)
        {
            if (b < 0x80)
            {
                span[n++] = b;
            }
            else
            {
                span[n++] = (byte)(0xC0 | (b >> 6));
                span[n++] = (byte)(0x80 | (b & 0x3F));
            }
        }

        output.Advance(n);
    }

    private static void AppendUtf16BigEndian(ReadOnlySpan<byte> raw, Utf8Builder output)
    {
        var i = 0;
        while (i + 1 < raw.Length)
        {
            var unit = BinaryPrimitives.ReadUInt16BigEndian(raw[i..]);
            i += 2;
            Rune rune;
            if (!char.IsSurrogate((char)unit))
            {
                rune = new Rune(unit);
            }
            else if (char.IsHighSurrogate((char)unit) && i + 1 < raw.Length
                && char.IsLowSurrogate((char)BinaryPrimitives.ReadUInt16BigEndian(raw[i..])))
            {
                rune = new Rune((char)unit, (char)BinaryPrimitives.ReadUInt16BigEndian(raw[i..]));
                i += 2;
            }
            else
            {
                rune = Rune.ReplacementChar;
            }

            AppendRune(rune, output);
        }

        if (i < raw.Length)
        {
            output.Append(Replacement);
        }
    }

    private static void AppendUtf32BigEndian(ReadOnlySpan<byte> raw, Utf8Builder output)
    {
        var i = 0;
        for (; i + 3 < raw.Length; i += 4)
        {
            var value = BinaryPrimitives.ReadUInt32BigEndian(raw[i..]);
            AppendRune(value <= int.MaxValue && Rune.IsValid((int)value) ? new Rune((int)value) : Rune.ReplacementChar, output);
        }

        if (i < raw.Length)
        {
            output.Append(Replacement);
        }
    }

    private static void AppendRune(Rune rune, Utf8Builder output)
    {
        var written = rune.EncodeToUtf8(output.GetSpan(4));
        output.Advance(written);
    }
}
