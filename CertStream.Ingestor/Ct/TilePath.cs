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
    public static string DataTileUrl(string monitoringUrl, long index) => DataTileUrlForTile(monitoringUrl, index / Width);

    /// <summary>
    /// <c>tile/data/&lt;N&gt;</c> for a full tile (<paramref name="width"/> 256), else the partial
    /// <c>tile/data/&lt;N&gt;.p/&lt;W&gt;</c>; relative to the monitoring URL.
    /// </summary>
    public static string DataTilePath(long tileIndex, int width = Width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, Width);
        var path = "tile/data/" + Encode(tileIndex);
        return width == Width ? path : path + ".p/" + width.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>URL of data tile <paramref name="tileIndex"/> (a tile index, not an entry index) with <paramref name="width"/> entries.</summary>
    public static string DataTileUrlForTile(string monitoringUrl, long tileIndex, int width = Width) =>
        monitoringUrl + DataTilePath(tileIndex, width);

    /// <summary>
    /// Hash tile <c>tile/&lt;L&gt;/&lt;N&gt;</c> (full, <paramref name="width"/> 256) or <c>tile/&lt;L&gt;/&lt;N&gt;.p/&lt;W&gt;</c>,
    /// relative to the monitoring URL (docs/ct-protocols.md §2.5).
    /// </summary>
    public static string LevelTilePath(int level, long tileIndex, int width = Width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 9);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, Width);
        var path = "tile/" + (char)('0' + level) + "/" + Encode(tileIndex);
        return width == Width ? path : path + ".p/" + width.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Full data tiles of a tree of <paramref name="treeSize"/>: tiles 0 … result−1.</summary>
    public static long FullTileCount(long treeSize) => treeSize / Width;

    /// <summary>Width of the right-edge partial data tile (tile <see cref="FullTileCount"/>); 0: there is none.</summary>
    public static int PartialTileWidth(long treeSize) => (int)(treeSize % Width);

    public static string CheckpointUrl(string monitoringUrl) => monitoringUrl + "checkpoint";

    /// <summary><c>issuer/&lt;lowercase hex SHA-256&gt;</c> under the monitoring URL.</summary>
    public static string IssuerUrl(string monitoringUrl, string fingerprintHex) => monitoringUrl + "issuer/" + fingerprintHex;
}
