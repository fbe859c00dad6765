using CertStream.Ingestor.CatchUp;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.StaticCt;
using CertStream.Ingestor.Options;
using CertStream.Ingestor.Publishing;
using CertStream.Ingestor.Telemetry;
using CertStream.Ingestor.Verification;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Following;

/// <summary>
/// Follows a static-ct-api log: checkpoint, then data tiles from the cursor to the checkpoint's
/// size, several full tiles in flight while behind, published in index order. The right-edge
/// partial tile is fetched only when the log grew past what was already published (tailing a
/// quiet log costs one checkpoint request per poll). Chains come from <c>issuer/&lt;sha256&gt;</c>
/// through one cache shared by all logs. Backlog is paced and, when too old, skipped by
/// <see cref="CatchUpPolicy"/>. With verification on, each data tile is checked against the verified
/// checkpoint through the hash tiles (<see cref="TileAudit"/>) before it is published.
/// </summary>
public sealed class StaticCtFollower(
    StaticCtClient client,
    IssuerCache issuers,
    EntryPublisher publisher,
    CatchUpPolicy catchUp,
    FetchBudget budget,
    PrecertChecker precerts,
    LogIntegrity integrity,
    IngestorMetrics metrics,
    IOptions<CtLogOptions> options,
    ILogger<StaticCtFollower> logger) : ILogFollower
{
    private StaticCtClient Client => client;

    public async Task RoundAsync(LogSession session, CancellationToken ct)
    {
        var body = await session.WithRetryAsync(token => client.GetCheckpointAsync(session.Log, token), ct);
        var checkpoint = CheckpointParser.Parse(body);
        if (!await integrity.AcceptCheckpointAsync(session, body, checkpoint, ct))
        {
            return; // failed verification, and verification:on_failure is stop
        }

        session.ObserveTreeSize(checkpoint.TreeSize);
        if (!session.HasCursor)
        {
            await session.StartAtTipAsync(ct);
            return;
        }

        var probe = new TimestampProbe(this, session, session.Target);
        await catchUp.SkipStaleBacklogAsync(session, probe.AtAsync, ct);
        var audit = integrity.BeginTileAudit(session,
            (level, index, width, token) => session.WithRetryAsync(t => client.GetLevelTileAsync(session.Log, level, index, width, t), token), ct);
        // Checked tiles: only what the verified checkpoint covers (the same size unless the log failed or has no key).
        var target = audit is null ? session.Target : Math.Min(session.Target, audit.Size);
        if (target > session.NextIndex)
        {
            await CatchUpAsync(session, target, audit, ct);
        }
    }

    private Task CatchUpAsync(LogSession session, long target, TileAudit? audit, CancellationToken ct)
    {
        var from = session.NextIndex;
        return OrderedFetchPipeline.RunAsync<(long Tile, int Width), FetchedBatch>(
            options.Value.FetchConcurrency,
            budget,
            last =>
            {
                var tile = last?.Tile + 1 ?? from / TilePath.Width;
                return tile * TilePath.Width < target ? (tile, (int)Math.Min(TilePath.Width, target - tile * TilePath.Width)) : null;
            },
            (range, token) => FetchTileAsync(session, range.Tile, range.Width, from, audit, token),
            async (range, fetched) =>
            {
                var start = Math.Max(from, range.Tile * TilePath.Width);
                await catchUp.PaceAsync(start, range.Tile * TilePath.Width + range.Width, target, ct);
                integrity.Mark(session, fetched.Entries);
                await publisher.PublishAsync(session.Log, fetched.Entries, ct);
                await session.AdvanceAsync(range.Tile * TilePath.Width + range.Width, ct);
            },
            ct);
    }

    /// <summary>
    /// The entries of one tile from <paramref name="fromIndex"/> on, up to <paramref name="width"/>, with their
    /// chains; they slice the pooled tile body, which the batch keeps.
    /// </summary>
    private async Task<FetchedBatch> FetchTileAsync(LogSession session, long tile, int width, long fromIndex, TileAudit? audit, CancellationToken ct)
    {
        var log = session.Log;
        var fetched = new FetchedBatch(width);
        try
        {
            var (body, servedWidth) = await session.WithRetryAsync(token => client.GetDataTilePooledAsync(log, tile, width, token), ct);
            fetched.Own(body);
            // A half-parsed tile would shift every later index: a tile that does not decode is retried whole.
            var leaves = TileLeafDecoder.Decode(body.Memory, tile, servedWidth);
            // Checked here, concurrently like the fetches: one SHA-256 per entry, the level tiles fetched once per round.
            if (audit is not null && !await integrity.CheckDataTileAsync(session, audit, tile, leaves, fromIndex))
            {
                throw new CtDecodeException($"data tile {tile} of {log.Key} is not in the verified checkpoint; verification:on_failure is stop");
            }

            for (var i = 0; i < width; i++)
            {
                var leaf = leaves[i];
                if (leaf.Index < fromIndex)
                {
                    continue;
                }

                var chain = await issuers.GetChainAsync(leaf,
                    (hex, token) => session.WithRetryAsync(t => client.GetIssuerAsync(log, hex, t), token), ct);

                try
                {
                    fetched.Entries.Add(precerts.Check(log, new CtLogEntry(leaf.Index, leaf.TimestampMs, leaf.Type, leaf.LeafDer, chain) { PrecertTbs = leaf.PrecertTbs }));
                }
                catch (CtDecodeException ex)
                {
                    // The tile is consistent, only this entry cannot be shown: skip it, as the RFC 6962 follower does.
                    metrics.DecodeFailed(log.Key);
                    IngestorLog.EntrySkipped(logger, log.Key, leaf.Index, ex.Message);
                }
            }

            return fetched;
        }
        catch
        {
            fetched.Dispose();
            throw;
        }
    }

    /// <summary>Entry timestamps for the catch-up age check, one data tile at a time (the last tile read is kept: bisection ends inside one).</summary>
    private sealed class TimestampProbe(StaticCtFollower follower, LogSession session, long target)
    {
        private long _tile = -1;
        private TileLeaf[] _leaves = [];

        public async Task<long> AtAsync(long index, CancellationToken ct)
        {
            var tile = index / TilePath.Width;
            if (tile != _tile)
            {
                var width = (int)Math.Min(TilePath.Width, target - (tile * TilePath.Width));
                var (body, served) = await session.WithRetryAsync(token => follower.Client.GetDataTileAsync(session.Log, tile, width, token), ct);
                _leaves = TileLeafDecoder.Decode(body, tile, served);
                _tile = tile;
            }

            return _leaves[(int)(index % TilePath.Width)].TimestampMs;
        }
    }
}
