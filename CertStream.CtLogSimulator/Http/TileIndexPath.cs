using System.Globalization;
using System.Text;

namespace CertStream.CtLogSimulator.Http;

/// <summary>
/// Parses <c>&lt;N&gt;[.p/&lt;W&gt;]</c> of a tile URL (tlog-tiles: groups of 3 digits, all but the last
/// prefixed with 'x'). Only the canonical spelling is accepted, as a real log's file layout would.
/// </summary>
/// <remarks>
/// <see cref="Encode"/> is written again on purpose rather than shared with the ingestor's TilePath:
/// the simulator stands in for a real log, and an encoding shared by both sides would let a wrong
/// one pass every test that runs the ingestor against it.
/// </remarks>
internal static class TileIndexPath
{
    public static bool TryParse(ReadOnlySpan<char> path, out long tileIndex, out int width)
    {
        tileIndex = 0;
        width = 256;
        var partial = path.IndexOf(".p/");
        if (partial >= 0)
        {
            var w = path[(partial + 3)..];
            if (w.Length is < 1 or > 3 || w[0] == '0' || !int.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out width) || width > 255)
            {
                return false;
            }

            path = path[..partial];
        }

        // Digits only, at most 18 of them (fits a long), then the spelling must be exactly the canonical one.
        var digits = new StringBuilder(path.Length);
        foreach (var c in path)
        {
            if (char.IsAsciiDigit(c))
            {
                digits.Append(c);
            }
            else if (c is not ('x' or '/'))
            {
                return false;
            }
        }

        if (digits.Length is 0 or > 18 || !long.TryParse(digits.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out tileIndex))
        {
            return false;
        }

        return path.SequenceEqual(Encode(tileIndex));
    }

    public static string Encode(long n)
    {
        var digits = n.ToString(CultureInfo.InvariantCulture);
        var padded = digits.PadLeft((digits.Length + 2) / 3 * 3, '0');
        var sb = new StringBuilder(padded.Length * 5 / 3);
        for (var i = 0; i < padded.Length; i += 3)
        {
            if (i > 0)
            {
                sb.Append('/');
            }

            if (i + 3 < padded.Length)
            {
                sb.Append('x');
            }

            sb.Append(padded, i, 3);
        }

        return sb.ToString();
    }
}
