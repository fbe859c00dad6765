using CertStream.Contracts;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Ct.StaticCt;
using CertStream.Ingestor.Serialization;
using CertStream.Ingestor.Verification;

namespace CertStream.Ingestor.Feed;

/// <summary>
/// Re-reads entries the feed missed (its backlog was full, or the live cursor ran ahead of the feed
/// cursor across a restart) from the CT log itself, and serializes them as the live path does.
/// Returns one item per index of the range, in order; an entry that cannot be decoded has no JSON
/// (it only moves the cursor, as the live path skips it). Precertificates go through the same TBS check
/// as on the live path, so the feed sends what the log signed, as the streams did.
/// </summary>
public sealed class FeedGapReader(
    Rfc6962Client rfc6962,
    StaticCtClient staticCt,
    IssuerCache issuers,
    ICertificateMessageSerializer serializer,
    PrecertChecker precerts,
    TimeProvider time)
{
    /// <summary>Entries [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="log"/>.</summary>
    public Task<List<(long Index, byte[]? Json)>> ReadAsync(CtLogInfo log, long from, long to, CancellationToken ct) =>
        log.Kind == CtLogKind.Tiled ? ReadTilesAsync(log, from, to, ct) : ReadEntriesAsync(log, from, to, ct);

    private async Task<List<(long, byte[]?)>> ReadEntriesAsync(CtLogInfo log, long from, long to, CancellationToken ct)
    {
        var result = new List<(long, byte[]?)>((int)(to - from));
        var next = from;
        while (next < to)
        {
            // Logs return short pages: ask again for the rest.
            var page = await rfc6962.GetEntriesAsync(log, next, to - 1, ct);
            if (page.Count == 0)
            {
                throw new CtDecodeException($"get-entries of {log.Key} returned no entry for [{next}, {to - 1}]");
            }

            foreach (var raw in page)
            {
                if (next >= to)
                {
                    break;
                }

                byte[]? json;
                try
                {
                    json = Serialize(precerts.Check(log, Rfc6962EntryDecoder.Decode(next, raw.LeafInput, raw.ExtraData), reread: true), log);
                }
                catch (CtDecodeException)
                {
                    json = null;
                }

                result.Add((next++, json));
            }
        }

        return result;
    }

    private async Task<List<(long, byte[]?)>> ReadTilesAsync(CtLogInfo log, long from, long to, CancellationToken ct)
    {
        var result = new List<(long, byte[]?)>((int)(to - from));
        for (var tile = from / TilePath.Width; tile * TilePath.Width < to; tile++)
        {
            // The partial tile the live path read may be gone once the tile filled up: the client then reads the full one.
            var width = (int)Math.Min(TilePath.Width, to - (tile * TilePath.Width));
            var (body, served) = await staticCt.GetDataTileAsync(log, tile, width, ct);
            foreach (var leaf in TileLeafDecoder.Decode(body, tile, served))
            {
                if (leaf.Index < from || leaf.Index >= to)
                {
                    continue;
                }

                var chain = await issuers.GetChainAsync(leaf, (hex, token) => staticCt.GetIssuerAsync(log, hex, token), ct);

                byte[]? json;
                try
                {
                    var entry = new CtLogEntry(leaf.Index, leaf.TimestampMs, leaf.Type, leaf.LeafDer, chain) { PrecertTbs = leaf.PrecertTbs };
                    json = Serialize(precerts.Check(log, entry, reread: true), log);
                }
                catch (CtDecodeException)
                {
                    json = null;
                }

                result.Add((leaf.Index, json));
            }
        }

        return result;
    }

    private byte[]? Serialize(in CtLogEntry entry, CtLogInfo log)
    {
        try
        {
            using var message = serializer.Serialize(entry, log, time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
            return message.Get(StreamKind.Full).ToArray();
        }
        catch (CtDecodeException)
        {
            return null;
        }
    }
}
