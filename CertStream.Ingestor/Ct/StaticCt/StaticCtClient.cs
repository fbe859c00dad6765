using System.Net;
using CertStream.Ingestor.Ct.Http;

namespace CertStream.Ingestor.Ct.StaticCt;

/// <summary>checkpoint, data tiles and issuers of one static-ct-api log (under its monitoring URL).</summary>
public sealed class StaticCtClient(CtHttpClient http)
{
    public Task<byte[]> GetCheckpointAsync(CtLogInfo log, CancellationToken ct) =>
        http.GetBytesAsync(log, TilePath.CheckpointUrl(log.Url), "checkpoint", ct);

    /// <summary>
    /// Data tile <paramref name="tileIndex"/> holding <paramref name="width"/> entries: the full tile
    /// when width is 256, else the partial <c>.p/W</c>. Logs may delete a partial tile once the full
    /// one exists, so a 404 on a partial is answered with the full tile (<c>Width</c> says which).
    /// </summary>
    public async Task<(byte[] Body, int Width)> GetDataTileAsync(CtLogInfo log, long tileIndex, int width, CancellationToken ct)
    {
        var full = TilePath.DataTileUrlForTile(log.Url, tileIndex);
        if (width == TilePath.Width)
        {
            return (await http.GetBytesAsync(log, full, "tile", ct), TilePath.Width);
        }

        try
        {
            return (await http.GetBytesAsync(log, TilePath.DataTileUrlForTile(log.Url, tileIndex, width), "tile", ct), width);
        }
        catch (CtHttpException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            return (await http.GetBytesAsync(log, full, "tile", ct), TilePath.Width);
        }
    }

    /// <summary>As <see cref="GetDataTileAsync"/>, into a pooled body that the caller disposes.</summary>
    public async Task<(PooledBody Body, int Width)> GetDataTilePooledAsync(CtLogInfo log, long tileIndex, int width, CancellationToken ct)
    {
        var full = TilePath.DataTileUrlForTile(log.Url, tileIndex);
        if (width == TilePath.Width)
        {
            return (await http.GetPooledAsync(log, full, "tile", ct), TilePath.Width);
        }

        try
        {
            return (await http.GetPooledAsync(log, TilePath.DataTileUrlForTile(log.Url, tileIndex, width), "tile", ct), width);
        }
        catch (CtHttpException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            return (await http.GetPooledAsync(log, full, "tile", ct), TilePath.Width);
        }
    }

    /// <summary>
    /// The <paramref name="width"/> 32-byte hashes of hash tile <paramref name="tileIndex"/> at <paramref name="level"/>: the full
    /// tile when width is 256, else the partial <c>.p/W</c> (a 404 on it is answered with the full tile's prefix, as for data tiles).
    /// </summary>
    /// <exception cref="CtDecodeException">The tile is not width × 32 bytes (a full tile is 8,192).</exception>
    public async Task<byte[]> GetLevelTileAsync(CtLogInfo log, int level, long tileIndex, int width, CancellationToken ct)
    {
        var expected = width * 32;
        byte[] body;
        if (width == TilePath.Width)
        {
            body = await http.GetBytesAsync(log, log.Url + TilePath.LevelTilePath(level, tileIndex), "tile", ct);
        }
        else
        {
            try
            {
                body = await http.GetBytesAsync(log, log.Url + TilePath.LevelTilePath(level, tileIndex, width), "tile", ct);
            }
            catch (CtHttpException ex) when (ex.Status == HttpStatusCode.NotFound)
            {
                body = await http.GetBytesAsync(log, log.Url + TilePath.LevelTilePath(level, tileIndex), "tile", ct);
                if (body.Length == TilePath.Width * 32)
                {
                    body = body[..expected];
                }
            }
        }

        if (body.Length != expected)
        {
            throw new CtDecodeException($"hash tile {level}/{tileIndex} of {log.Key} is {body.Length} bytes, expected {expected} ({width} hashes)");
        }

        return body;
    }

    public Task<byte[]> GetIssuerAsync(CtLogInfo log, string fingerprintHex, CancellationToken ct) =>
        http.GetBytesAsync(log, TilePath.IssuerUrl(log.Url, fingerprintHex), "issuer", ct);
}
