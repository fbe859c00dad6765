namespace CertStream.Ingestor.Certificates;

/// <summary>
/// Lenient UTCTime / GeneralizedTime reader. Real certificates carry forms that strict DER readers
/// (and .NET's <c>NotBefore</c>) reject: no seconds (<c>0001010000Z</c>), an offset instead of <c>Z</c>
/// (<c>110629153248-1200</c>, <c>…+0000</c>), fractions, or no zone at all (read as UTC). docs/ct-protocols.md §5.1.
/// </summary>
internal static class AsnTime
{
    public static bool TryParseUtcTime(ReadOnlySpan<byte> text, out long unixSeconds)
    {
        unixSeconds = 0;
        if (!TryDigits(text, 0, 2, out var yy))
        {
            return false;
        }

        // RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, else 20YY.
        var year = yy >= 50 ? 1900 + yy : 2000 + yy;
        return TryParseRest(text, 2, year, out unixSeconds);
    }

    public static bool TryParseGeneralizedTime(ReadOnlySpan<byte> text, out long unixSeconds)
    {
        unixSeconds = 0;
        return TryDigits(text, 0, 4, out var year) && TryParseRest(text, 4, year, out unixSeconds);
    }

    // MMDDhhmm[ss][.fff](Z|±hhmm|nothing) from position pos.
    private static bool TryParseRest(ReadOnlySpan<byte> text, int pos, int year, out long unixSeconds)
    {
        unixSeconds = 0;
        if (!TryDigits(text, pos, 2, out var month) || !TryDigits(text, pos + 2, 2, out var day)
            || !TryDigits(text, pos + 4, 2, out var hour) || !TryDigits(text, pos + 6, 2, out var minute))
        {
            return false;
        }

        pos += 8;
        var second = 0;
        if (TryDigits(text, pos, 2, out var s))
        {
            second = s;
            pos += 2;
        }

        if (pos < text.Length && (text[pos] == '.' || text[pos] == ','))
        {
            pos++;
            var start = pos;
            while (pos < text.Length && IsDigit(text[pos]))
            {
                pos++;
            }

            if (pos == start)
            {
                return false;
            }
        }

        var offsetSeconds = 0;
        if (pos < text.Length)
        {
            var zone = text[pos];
            if (zone == 'Z' && pos + 1 == text.Length)
            {
                pos++;
            }
            else if ((zone == '+' || zone == '-') && pos + 5 == text.Length
                && TryDigits(text, pos + 1, 2, out var offsetHours) && TryDigits(text, pos + 3, 2, out var offsetMinutes)
                && offsetHours < 24 && offsetMinutes < 60)
            {
                offsetSeconds = (offsetHours * 3600) + (offsetMinutes * 60);
                if (zone == '-')
                {
                    offsetSeconds = -offsetSeconds;
                }

                pos += 5;
            }
            else
            {
                return false;
            }
        }

        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month)
            || hour > 23 || minute > 59 || second > 60 || year < 1)
        {
            return false;
        }

        // Leap second 60 stays as written (one second later); local time minus offset is UTC.
        var days = DaysFromCivil(year, month, day);
        unixSeconds = (days * 86400L) + (hour * 3600L) + (minute * 60L) + second - offsetSeconds;
        return true;
    }

    // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    private static long DaysFromCivil(int year, int month, int day)
    {
        long y = month <= 2 ? year - 1 : year;
        var era = (y >= 0 ? y : y - 399) / 400;
        var yearOfEra = y - (era * 400);
        var dayOfYear = ((153 * (month > 2 ? month - 3 : month + 9)) + 2) / 5 + day - 1;
        var dayOfEra = (yearOfEra * 365) + (yearOfEra / 4) - (yearOfEra / 100) + dayOfYear;
        return (era * 146097) + dayOfEra - 719468;
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, int pos, int count, out int value)
    {
        value = 0;
        if (pos + count > text.Length)
        {
            return false;
        }

        for (var i = pos; i < pos + count; i++)
        {
            if (!IsDigit(text[i]))
            {
                return false;
            }

            value = (value * 10) + (text[i] - '0');
        }

        return true;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
