using System.Globalization;
using System.Text;

namespace CertStream.Contracts.Envelope;

/// <summary>
/// The one normal form of a domain name that the ingestor writes into the envelope and the gateway
/// turns filter patterns into, so that they compare byte for byte: ASCII lower case, Unicode labels
/// as IDNA A-labels (punycode, <c>bücher.de</c> → <c>xn--bcher-kva.de</c>), no trailing dot.
/// </summary>
public static class DomainNames
{
    /// <summary>Longest normalised name kept (a DNS name is at most 253 bytes; the envelope stores the length in a byte).</summary>
    public const int MaxLength = 255;

    private static readonly IdnMapping Idn = new();

    /// <summary>
    /// Writes the normal form of <paramref name="utf8"/> into <paramref name="destination"/> (at least
    /// <see cref="MaxLength"/> bytes) and returns its length; 0 when nothing usable remains. A Unicode
    /// name that IDNA refuses is kept lower-cased as it is.
    /// </summary>
    public static int Normalize(ReadOnlySpan<byte> utf8, Span<byte> destination)
    {
        while (!utf8.IsEmpty && utf8[^1] == (byte)'.')
        {
            utf8 = utf8[..^1];
        }

        if (utf8.IsEmpty)
        {
            return 0;
        }

        if (!System.Text.Unicode.Utf8.IsValid(utf8) || !Ascii.IsValid(utf8))
        {
            return NormalizeUnicode(utf8, destination);
        }

        if (utf8.Length > MaxLength)
        {
            return 0;
        }

        Ascii.ToLower(utf8, destination, out var written);
        return written;
    }

    /// <summary>The normal form of a name given as text (a filter pattern); empty when nothing usable remains.</summary>
    public static string Normalize(string name)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        var utf8 = Encoding.UTF8.GetBytes(name);
        var length = utf8.Length > 4 * MaxLength ? 0 : Normalize(utf8, buffer);
        return length <= 0 ? string.Empty : Encoding.ASCII.GetString(buffer[..length]);
    }

    /// <summary>Lower-cases UTF-8 text (ASCII in place of bytes, the rest by the invariant culture); returns the bytes written, at most <paramref name="destination"/>'s length.</summary>
    public static int LowerUtf8(ReadOnlySpan<byte> utf8, Span<byte> destination)
    {
        if (Ascii.IsValid(utf8))
        {
            var n = Math.Min(utf8.Length, destination.Length);
            Ascii.ToLower(utf8[..n], destination, out var written);
            return written;
        }

        var lower = Encoding.UTF8.GetString(utf8).ToLowerInvariant();
        var bytes = Encoding.UTF8.GetBytes(lower);
        var count = Math.Min(bytes.Length, destination.Length);
        bytes.AsSpan(0, count).CopyTo(destination);
        return count;
    }

    // Rare (certificates carry A-labels; a few CNs and most typed patterns do not): allocating is fine here.
    private static int NormalizeUnicode(ReadOnlySpan<byte> utf8, Span<byte> destination)
    {
        var text = Encoding.UTF8.GetString(utf8).ToLowerInvariant();
        var prefix = string.Empty;
        if (text.StartsWith("*.", StringComparison.Ordinal))
        {
            prefix = "*.";
            text = text[2..];
        }

        string ascii;
        try
        {
            ascii = prefix + Idn.GetAscii(text);
        }
        catch (ArgumentException)
        {
            ascii = prefix + text;
        }

        var count = Encoding.UTF8.GetByteCount(ascii);
        if (count > MaxLength || count > destination.Length)
        {
            return 0;
        }

        return Encoding.UTF8.GetBytes(ascii, destination);
    }
}
