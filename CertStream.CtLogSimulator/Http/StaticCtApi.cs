using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using CertStream.CtLogSimulator.Entries;
using CertStream.CtLogSimulator.Faults;

namespace CertStream.CtLogSimulator.Http;

/// <summary>static-ct-api (c2sp.org/static-ct-api): checkpoint, data tiles and issuers.</summary>
internal static class StaticCtApi
{
    public const int TileWidth = 256;

    /// <summary>A signed note: origin, size, root, blank line, one RFC6962NoteSignature line.</summary>
    public static SimResponse Checkpoint(SimulatedLog log, string authority, SimulatedFault? fault)
    {
        if (fault?.Kind == SimulatedFaultKind.MalformedBody)
        {
            return new SimResponse(StatusCodes.Status200OK, SimResponse.Text, "this is not a checkpoint\n"u8.ToArray());
        }

        var head = log.ServedTreeHead(fault);
        var origin = log.OriginFor(authority);

        // Key ID = SHA-256(origin || "\n" || 0x05 || LogID)[:4]; signature = key ID || timestamp || DigitallySigned.
        var keyIdInput = new TlsWriter(origin.Length + 34);
        keyIdInput.Bytes(Encoding.UTF8.GetBytes(origin));
        keyIdInput.UInt8('\n');
        keyIdInput.UInt8(0x05);
        keyIdInput.Bytes(log.LogId.Span);
        var signature = new TlsWriter(12 + head.Signature.Length);
        signature.Bytes(SHA256.HashData(keyIdInput.WrittenSpan).AsSpan(0, 4));
        signature.UInt64(head.TimestampMs);
        signature.Bytes(head.Signature);

        var note = $"{origin}\n{head.TreeSize}\n{Convert.ToBase64String(head.RootHash)}\n\n\u2014 {origin} {Convert.ToBase64String(signature.WrittenSpan)}\n";
        return new SimResponse(StatusCodes.Status200OK, SimResponse.Text, Encoding.UTF8.GetBytes(note));
    }

    /// <summary>
    /// <c>tile/data/&lt;N&gt;</c> while the tile is full, and <c>.p/&lt;W&gt;</c> for the right-edge tile at
    /// any width it has had so far (a real log writes a partial tile with every tree head and keeps it
    /// until the full tile exists, so a follower that read a checkpoint just before the log grew still
    /// finds its tile); 404 for anything else (partials of full tiles, widths beyond the tree, bad spellings).
    /// </summary>
    public static SimResponse DataTile(SimulatedLog log, long tileIndex, int width, SimulatedFault? fault)
    {
        var size = log.TreeSize;
        var full = width == TileWidth;
        var served = full
            ? tileIndex < size / TileWidth
            : tileIndex == size / TileWidth && width <= size % TileWidth;
        if (!served)
        {
            log.CountRequestBeyondTree();
            return SimResponse.NotFound();
        }

        var encoding = log.Options.TileEncoding;
        ReadOnlyMemory<byte> body;
        if (fault?.Kind == SimulatedFaultKind.MalformedBody)
        {
            // Well-delivered, well-compressed, but the last record is 5 bytes short.
            var raw = BuildTile(log, tileIndex, width);
            body = Encode(raw[..^5], encoding);
        }
        else if (full)
        {
            body = log.FullTiles.GetOrAdd(tileIndex, n => Encode(BuildTile(log, n, TileWidth), encoding));
        }
        else
        {
            body = Encode(BuildTile(log, tileIndex, width), encoding);
        }

        return new SimResponse(StatusCodes.Status200OK, "application/octet-stream", body,
            encoding == SimulatedTileEncoding.Gzip ? "gzip" : null);
    }

    /// <summary>
    /// Hash tile <c>tile/&lt;L&gt;/&lt;N&gt;[.p/&lt;W&gt;]</c> (L ≥ 0): served, uncompressed, under the same rule as data
    /// tiles (full once complete; the right-edge partial at any width it has had). Its hashes come from
    /// <see cref="SimulatedLog.ServedTileHashes"/>, which a log that misbehaves keeps apart from the tree it signs.
    /// </summary>
    public static SimResponse LevelTile(SimulatedLog log, int level, long tileIndex, int width)
    {
        var hashes = log.ServedTileHashes!;
        var complete = log.TreeSize >> (8 * level); // complete subtrees of 256^level leaves
        var full = width == TileWidth;
        var served = full
            ? tileIndex < complete / TileWidth
            : tileIndex == complete / TileWidth && width <= complete % TileWidth;
        if (!served)
        {
            log.CountRequestBeyondTree();
            return SimResponse.NotFound();
        }

        var body = full && level == 0
            ? log.FullLevelZeroTiles.GetOrAdd(tileIndex, n => hashes.Tile(0, n, TileWidth))
            : hashes.Tile(level, tileIndex, width);
        return new SimResponse(StatusCodes.Status200OK, "application/octet-stream", body);
    }

    public static SimResponse Issuer(SimulatedLog log, string hex, SimulatedFault? fault)
    {
        var der = FindIssuer(log, hex);
        if (der is null)
        {
            return SimResponse.NotFound();
        }

        if (fault?.Kind == SimulatedFaultKind.MalformedBody)
        {
            var corrupt = der.ToArray();
            corrupt[^1] ^= 0xFF;
            der = corrupt;
        }

        return new SimResponse(StatusCodes.Status200OK, "application/pkix-cert", der);
    }

    /// <summary>The uncompressed data tile: the TileLeafs of entries [N·256, N·256+W).</summary>
    internal static ReadOnlyMemory<byte> BuildTile(SimulatedLog log, long tileIndex, int width)
    {
        var first = tileIndex * TileWidth;
        if (width == TileWidth && log.Options.UseRecordedEntries && tileIndex < RecordedData.NavigliTileCount)
        {
            return RecordedData.Shared.NavigliTile((int)tileIndex);
        }

        var buffer = new ArrayBufferWriter<byte>(width * 2048);
        for (var i = first; i < first + width; i++)
        {
            buffer.Write(log.GetEntry(i).TileLeaf.Span);
        }

        return buffer.WrittenMemory;
    }

    private static byte[]? FindIssuer(SimulatedLog log, string hex)
    {
        if (CertificateFactory.Shared.IssuersByHex.TryGetValue(hex, out var generated))
        {
            return generated;
        }

        return log.Options.UseRecordedEntries && RecordedData.Shared.Issuers.TryGetValue(hex, out var recorded) ? recorded : null;
    }

    private static ReadOnlyMemory<byte> Encode(ReadOnlyMemory<byte> tile, SimulatedTileEncoding encoding)
    {
        if (encoding == SimulatedTileEncoding.Identity)
        {
            return tile;
        }

        using var output = new MemoryStream(tile.Length / 2 + 64);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(tile.Span);
        }

        return output.ToArray();
    }
}
