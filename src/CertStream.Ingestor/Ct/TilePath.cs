using System.Text;

namespace CertStream.Ingestor.Ct;

/// <summary>tlog-tiles path encoding of a tile index: 1234067 → <c>x001/x234/067</c>.</summary>
public static class TilePath
{
    public const int Width = 256;

    public static string Encode(long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var digits = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var padded = digits.PadLeft((digits.Length + 2) / 3 * 3, '0');
        var sb = new StringBuilder(padded.Length + padded.Length / 3 * 2);
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

    /// <summary>URL of the full data tile (never <c>.p/W</c>) that holds entry <paramref name="index"/>.</summary>
    public static string DataTileUrl(string monitoringUrl, long index) =>
        monitoringUrl + "tile/data/" + Encode(index / Width);
}
