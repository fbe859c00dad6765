using System.Buffers.Binary;
using CertStream.Ingestor.CatchUp;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Options;
using CertStream.Ingestor.Publishing;
using CertStream.Ingestor.Telemetry;
using CertStream.Ingestor.Verification;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Following;

/// <summary>
/// Follows an RFC 6962 log: get-sth, then get-entries windows of <c>ct_log:batch_size</c>, several
/// in flight while behind (<c>ct_log:fetch_concurrency</c>), published strictly in index order.
/// A window advances by what the log actually returned (short pages are normal) and is never
/// asked past tree_size-1. Backlog is paced and, when too old, skipped by <see cref="CatchUpPolicy"/>.
/// </summary>
public sealed class Rfc6962Follower(
    Rfc6962Client client,
    EntryPublisher publisher,
    CatchUpPolicy catchUp,
    FetchBudget budget,
    IngestorMetrics metrics,
    PrecertChecker precerts,
    LogIntegrity integrity,
    IOptions<CtLogOptions> options,
    ILogger<Rfc6962Follower> logger) : ILogFollower
{
    public async Task RoundAsync(LogSession session, CancellationToken ct)
    {
        var sth = await session.WithRetryAsync(token => client.GetSthAsync(session.Log, token), ct);
        if (!await integrity.AcceptSthAsync(session, sth, ct))
        {
            return; // failed verification, and verification:on_failure is stop
        }

        session.ObserveTreeSize(sth.TreeSize);
        if (!session.HasCursor)
        {
            await session.StartAtTipAsync(ct);
            return;
        }

        await catchUp.SkipStaleBacklogAsync(session, (index, token) => TimestampAtAsync(session, index, token), ct);
        await CatchUpAsync(session, session.Target, ct);
    }

    /// <summary>One entry's CT timestamp (ms), for the catch-up age check.</summary>
    private async Task<long> TimestampAtAsync(LogSession session, long index, CancellationToken ct)
    {
        var page = await session.WithRetryAsync(token => client.GetEntriesAsync(session.Log, index, index, token), ct);
        var leaf = page[0].LeafInput;
        // MerkleTreeLeaf: version (1), leaf_type (1), then the TimestampedEntry's timestamp (8, big-endian ms).
        if (leaf.Length < 10)
        {
            throw new CtDecodeException($"leaf_input of entry {index} is {leaf.Length} bytes");
        }

        return BinaryPrimitives.ReadInt64BigEndian(leaf.AsSpan(2, 8));
    }

    private Task CatchUpAsync(LogSession session, long target, CancellationToken ct)
    {
        var batch = options.Value.BatchSize;
        return OrderedFetchPipeline.RunAsync<(long Start, long End), FetchedBatch>(
            options.Value.FetchConcurrency,
            budget,
            last =>
            {
                var start = last?.End + 1 ?? session.NextIndex;
                return start < target ? (start, Math.Min(start + batch - 1, target - 1)) : null;
            },
            (range, token) => FetchRangeAsync(session, range.Start, range.End, token),
            async (range, fetched) =>
            {
                await catchUp.PaceAsync(range.Start, range.End + 1, target, ct);
                integrity.Mark(session, fetched.Entries);
                await publisher.PublishAsync(session.Log, fetched.Entries, ct);
                await session.AdvanceAsync(range.End + 1, ct);
            },
            ct);
    }

    /// <summary>
    /// All entries of [start, end], asking again for the tail while the log returns short pages, decoded
    /// where they lie in the pooled bodies (which the batch keeps). Entries that do not decode are counted,
    /// logged and left out. The Merkle audit of a sample runs here, so that it runs as concurrently as the fetches.
    /// </summary>
    private async Task<FetchedBatch> FetchRangeAsync(LogSession session, long start, long end, CancellationToken ct)
    {
        var fetched = new FetchedBatch((int)(end - start + 1));
        var raw = new List<RawEntrySlice>((int)(end - start + 1));
        var leafInputs = new List<ReadOnlyMemory<byte>>((int)(end - start + 1)); // slices of the pooled bodies, for the audit
        try
        {
            var next = start;
            while (next <= end)
            {
                var from = next;
                raw.Clear();
                fetched.Own(await session.WithRetryAsync(token => client.GetEntriesPooledAsync(session.Log, from, end, raw, token), ct));
                Decode(session.Log, from, raw, fetched.Entries);
                foreach (var entry in raw)
                {
                    leafInputs.Add(entry.LeafInput);
                }

                next += raw.Count;
            }

            if (!await integrity.CheckInclusionAsync(session, start, leafInputs, ct))
            {
                throw new CtDecodeException($"entries {start}-{end} of {session.Log.Key} are not in the verified tree; verification:on_failure is stop");
            }

            return fetched;
        }
        catch
        {
            fetched.Dispose();
            throw;
        }
    }

    private void Decode(CtLogInfo log, long start, List<RawEntrySlice> raw, List<CtLogEntry> entries)
    {
        for (var i = 0; i < raw.Count; i++)
        {
            var index = start + i;
            try
            {
                entries.Add(precerts.Check(log, Rfc6962EntryDecoder.Decode(index, raw[i].LeafInput, raw[i].ExtraData)));
            }
            catch (CtDecodeException ex)
            {
                metrics.DecodeFailed(log.Key);
                IngestorLog.EntrySkipped(logger, log.Key, index, ex.Message);
            }
        }
    }
}
