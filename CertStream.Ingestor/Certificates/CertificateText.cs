using System.Buffers;
using System.Net;

namespace CertStream.Ingestor.Certificates;

/// <summary>
/// The text forms of docs/wire-format.md, written as UTF-8 straight into a span (no intermediate strings).
/// The <c>string</c> overloads are for tests and diagnostics, not for the hot path.
/// </summary>
public static class CertificateText
{
    private static ReadOnlySpan<byte> UpperHex => "0123456789ABCDEF"u8;
    private static ReadOnlySpan<byte> LowerHex => "0123456789abcdef"u8;

    /// <summary>Upper bound of <see cref="FormatSerialNumber(ReadOnlySpan{byte}, Span{byte})"/>'s output.</summary>
    public static int MaxSerialNumberLength(int integerLength) => 1 + (2 * Math.Max(integerLength, 1));

    /// <summary>
    /// <c>serial_number</c>: upper-case hex of the magnitude of a two's-complement INTEGER (content
    /// octets, minimal or not), without leading zero bytes, at least <c>00</c>, with <c>-</c> when negative.
    /// DER <c>00 B2 78 …</c> → <c>B278…</c>; DER <c>A6 F6 38 D2 00 00 35 7D</c> → <c>-5909C72DFFFFCA83</c>.
    /// </summary>
    public static int FormatSerialNumber(ReadOnlySpan<byte> integer, Span<byte> destination)
    {
        var written = 0;
        if (!integer.IsEmpty && (integer[0] & 0x80) != 0)
        {
            destination[written++] = (byte)'-';
            byte[]? rented = null;
            var magnitude = integer.Length <= 64 ? stackalloc byte[integer.Length] : (rented = ArrayPool<byte>.Shared.Rent(integer.Length));
            magnitude = magnitude[..integer.Length];

            // Two's complement negation: invert, then add one from the least significant byte.
            var carry = 1;
            for (var i = integer.Length - 1; i >= 0; i--)
            {
                var value = (byte)~integer[i] + carry;
                magnitude[i] = (byte)value;
                carry = value >> 8;
            }

            written += WriteTrimmedHex(magnitude, destination[written..]);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            return written;
        }

        return WriteTrimmedHex(integer, destination);
    }

    public static string FormatSerialNumber(ReadOnlySpan<byte> integer)
    {
        Span<byte> buffer = stackalloc byte[MaxSerialNumberLength(integer.Length)];
        return System.Text.Encoding.ASCII.GetString(buffer[..FormatSerialNumber(integer, buffer)]);
    }

    private static int WriteTrimmedHex(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        if (value.IsEmpty)
        {
            destination[0] = (byte)'0';
            destination[1] = (byte)'0';
            return 2;
        }

        var n = 0;
        for (var i = start; i < value.Length; i++)
        {
            destination[n++] = UpperHex[value[i] >> 4];
            destination[n++] = UpperHex[value[i] & 0xF];
        }

        return n;
    }

    /// <summary>Length of <see cref="FormatColonHex"/>'s output.</summary>
    public static int ColonHexLength(int byteCount) => byteCount == 0 ? 0 : (3 * byteCount) - 1;

    /// <summary><c>96:89:70:…</c> (fingerprints: upper case) or <c>66:69:49:…</c> (key ids: lower case).</summary>
    public static int FormatColonHex(ReadOnlySpan<byte> value, Span<byte> destination, bool upperCase)
    {
        var digits = upperCase ? UpperHex : LowerHex;
        var n = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (i > 0)
            {
                destination[n++] = (byte)':';
            }

            destination[n++] = digits[value[i] >> 4];
            destination[n++] = digits[value[i] & 0xF];
        }

        return n;
    }

    /// <summary>
    /// Dotted text of an OBJECT IDENTIFIER's content octets. False when the encoding is invalid
    /// (empty, truncated sub-identifier) or an arc does not fit 128 bits.
    /// </summary>
    public static bool TryFormatOid(ReadOnlySpan<byte> content, Span<byte> destination, out int written)
    {
        written = 0;
        if (content.IsEmpty || (content[^1] & 0x80) != 0)
        {
            return false;
        }

        var first = true;
        UInt128 arc = 0;
        var arcBytes = 0;
        foreach (var b in content)
        {
            if (++arcBytes > 18)
            {
                return false;
            }

            arc = (arc << 7) | (uint)(b & 0x7F);
            if ((b & 0x80) != 0)
            {
                continue;
            }

            if (first)
            {
                var top = arc < 40u ? 0u : arc < 80u ? 1u : 2u;
                if (!TryAppendNumber(top, destination, ref written))
                {
                    return false;
                }

                arc -= top * 40u;
                first = false;
            }

            if (written >= destination.Length)
            {
                return false;
            }

            destination[written++] = (byte)'.';
            if (!TryAppendNumber(arc, destination, ref written))
            {
                return false;
            }

            arc = 0;
            arcBytes = 0;
        }

        return true;
    }

    public static string? FormatOid(ReadOnlySpan<byte> content)
    {
        Span<byte> buffer = stackalloc byte[MaxOidTextLength(content.Length)];
        return TryFormatOid(content, buffer, out var n) ? System.Text.Encoding.ASCII.GetString(buffer[..n]) : null;
    }

    /// <summary>Upper bound of the dotted text of an OID with this many content octets.</summary>
    public static int MaxOidTextLength(int contentLength) => 4 + (contentLength * 4);

    private static bool TryAppendNumber(UInt128 value, Span<byte> destination, ref int written)
    {
        if (!value.TryFormat(destination[written..], out var n, default, System.Globalization.CultureInfo.InvariantCulture))
        {
            return false;
        }

        written += n;
        return true;
    }

    /// <summary>Upper bound of <see cref="FormatIPAddress"/>'s output.</summary>
    public const int MaxIPAddressLength = 48;

    /// <summary>
    /// An iPAddress GeneralName: dotted IPv4, RFC 5952 IPv6, or (any other size, e.g. an 8-byte
    /// address+mask) OpenSSL's <c>&lt;invalid length=N&gt;</c>.
    /// </summary>
    public static int FormatIPAddress(ReadOnlySpan<byte> address, Span<byte> destination)
    {
        if (address.Length == 4)
        {
            var n = 0;
            for (var i = 0; i < 4; i++)
            {
                if (i > 0)
                {
                    destination[n++] = (byte)'.';
                }

                address[i].TryFormat(destination[n..], out var digits, default, System.Globalization.CultureInfo.InvariantCulture);
                n += digits;
            }

            return n;
        }

        if (address.Length == 16)
        {
            // Rare in certificates: the allocation of IPAddress buys a well-tested RFC 5952 formatter.
            new IPAddress(address).TryFormat(destination, out var n);
            return n;
        }

        var written = 0;
        "<invalid length="u8.CopyTo(destination);
        written += "<invalid length="u8.Length;
        address.Length.TryFormat(destination[written..], out var lengthDigits, default, System.Globalization.CultureInfo.InvariantCulture);
        written += lengthDigits;
        destination[written++] = (byte)'>';
        return written;
    }
}
