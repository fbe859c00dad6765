using System.Runtime.CompilerServices;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Ct.StaticCt;
using CertStream.Ingestor.Following;
using CertStream.Ingestor.Publishing;
using CertStream.Ingestor.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CertStream.Ingestor.Verification;

/// <summary>
/// Verifies what each followed log serves (README "Verification"): every STH or checkpoint signature with the
/// log list's key; that a new tree head extends the last verified one (same size, other root: a fork;
/// RFC 6962: get-sth-consistency); RFC 6962: that sampled fetched entries are in the verified tree
/// (get-proof-by-hash); static-ct-api: that the data tiles fetched hash into the verified checkpoint (<see cref="TileAudit"/>).
/// A log that fails is marked (metric, log line, one <c>log_integrity</c> event) and, by <c>verification:on_failure</c>,
/// either stopped (nothing more is fetched or published) or streamed with its entries marked
/// <see cref="EntryIntegrity.LogUnverified"/>. The last verified tree head and the failure are kept in Redis
/// (<see cref="VerificationStateStore"/>) and loaded by the next session of the log, on this replica or another, so
/// that a fork across a restart or failover is still caught and a failed log stays failed.
/// </summary>
public sealed class LogIntegrity(
    IOptions<VerificationOptions> options,
    ProofClient proofs,
    VerificationMetrics metrics,
    VerificationStateStore store,
    IntegrityEventPublisher events,
    TimeProvider time,
    ILogger<LogIntegrity> logger)
{
    private readonly ConditionalWeakTable<LogSession, LogState> _states = new();

    /// <summary>
    /// Checks a get-sth answer. False: do not use it this round (it failed and the policy stops the log, or the log
    /// is stopped already). True: go on (verified, or failed under <c>mark</c>, or the log has no key).
    /// </summary>
    public async Task<bool> AcceptSthAsync(LogSession session, SignedTreeHead sth, CancellationToken ct)
    {
        var (state, proceed) = await PrepareAsync(session, ct);
        if (state?.Key is not { } key)
        {
            return proceed;
        }

        if (!key.VerifyTreeHead(sth.TimestampMs, sth.TreeSize, sth.RootHash, sth.Signature))
        {
            return Fail(session, state, "sth_signature", $"the STH of size {sth.TreeSize} is not signed by the log list's key");
        }

        if (state.Verified is { } last && sth.TreeSize > last.Size && options.Value.ConsistencyProofs && !state.NoProofs)
        {
            var proof = await proofs.GetConsistencyAsync(session.Log, last.Size, sth.TreeSize, ct);
            if (proof is null)
            {
                state.NoProofs = true;
                IngestorLog.ProofsNotServed(logger, session.Log.Key, "get-sth-consistency");
            }
            else if (!MerkleTree.VerifyConsistency(last.Size, sth.TreeSize, last.Root, sth.RootHash, proof))
            {
                return Fail(session, state, "consistency", $"the tree of size {sth.TreeSize} does not extend the verified one of size {last.Size}");
            }
        }

        return await AcceptedAsync(session, state, sth.TreeSize, sth.RootHash);
    }

    /// <summary>Checks a checkpoint (signature, and a fork at an equal size); as <see cref="AcceptSthAsync"/>.</summary>
    public async Task<bool> AcceptCheckpointAsync(LogSession session, byte[] body, Checkpoint checkpoint, CancellationToken ct)
    {
        var (state, proceed) = await PrepareAsync(session, ct);
        if (state?.Key is not { } key)
        {
            return proceed;
        }

        if (!CheckpointSignature.Verify(body, checkpoint, key, out _))
        {
            return Fail(session, state, "checkpoint_signature", $"the checkpoint of size {checkpoint.TreeSize} has no valid signature by the log list's key");
        }

        return await AcceptedAsync(session, state, checkpoint.TreeSize, checkpoint.RootHash.ToArray());
    }

    /// <summary>
    /// Static-ct-api: the audit of this round's data tiles against the last verified checkpoint, or null when they are not
    /// checked (verification or <c>tile_hashes</c> off, no key, no verified checkpoint yet, or the log failed already:
    /// its entries are marked or stopped anyway). Its <see cref="TileAudit.Size"/> bounds what the round may publish.
    /// </summary>
    public TileAudit? BeginTileAudit(LogSession session, Func<int, long, int, CancellationToken, Task<byte[]>> fetch, CancellationToken ct)
    {
        if (!options.Value.Enabled || !options.Value.TileHashes || !_states.TryGetValue(session, out var state)
            || state.Key is null || state.Failed || state.Verified is not { } head)
        {
            return null;
        }

        return new TileAudit(head.Size, head.Root, state.Tiles, fetch, ct);
    }

    /// <summary>
    /// Checks one data tile's entries (from <paramref name="fromIndex"/> on) with <paramref name="audit"/>. False when they must
    /// not be published (failed under <c>stop</c>).
    /// </summary>
    public async Task<bool> CheckDataTileAsync(LogSession session, TileAudit audit, long tile, IReadOnlyList<TileLeaf> leaves, long fromIndex)
    {
        if (await audit.CheckDataTileAsync(tile, leaves, fromIndex) is not { } failure || !_states.TryGetValue(session, out var state))
        {
            return true;
        }

        return Fail(session, state, failure.Check, failure.Detail);
    }

    /// <summary>
    /// RFC 6962: checks that <c>inclusion_checks_per_batch</c> entries of a fetched batch (starting at <paramref name="start"/>)
    /// are in the last verified tree. False when the batch must not be published (failed under <c>stop</c>).
    /// </summary>
    public async Task<bool> CheckInclusionAsync(LogSession session, long start, IReadOnlyList<ReadOnlyMemory<byte>> leafInputs, CancellationToken ct)
    {
        var (state, proceed) = await PrepareAsync(session, ct);
        var samples = options.Value.InclusionChecksPerBatch;
        if (state?.Key is null || state.Verified is not { } head || samples == 0 || state.NoInclusionProofs || leafInputs.Count == 0)
        {
            return proceed;
        }

        for (var i = 0; i < samples; i++)
        {
            var offset = Random.Shared.Next(leafInputs.Count);
            var index = start + offset;
            if (index >= head.Size)
            {
                continue; // not in the verified tree (cannot happen while the target is the verified size)
            }

            var leafHash = new byte[MerkleTree.HashLength];
            MerkleTree.LeafHash(leafInputs[offset].Span, leafHash);
            var proof = await proofs.GetProofByHashAsync(session.Log, leafHash, head.Size, ct);
            if (proof is not { } p)
            {
                // 404 is also how a log says "no such leaf": it means "not served" only when the log serves no proofs at all.
                if (state.NoProofs || await proofs.GetConsistencyAsync(session.Log, 1, head.Size, ct) is null)
                {
                    // Several windows of a log are fetched at once: only the first to find out says so.
                    if (state.MarkNoInclusionProofs())
                    {
                        IngestorLog.ProofsNotServed(logger, session.Log.Key, "get-proof-by-hash");
                    }
                    return proceed;
                }

                return Fail(session, state, "inclusion", $"entry {index} as served is not in the verified tree of size {head.Size} (get-proof-by-hash: not found)");
            }

            if (p.LeafIndex != index || !MerkleTree.VerifyInclusion(index, head.Size, leafHash, p.AuditPath, head.Root))
            {
                return Fail(session, state, "inclusion", $"entry {index} as served is not in the verified tree of size {head.Size}");
            }
        }

        return !state.Failed || !options.Value.StopOnFailure;
    }

    /// <summary>What to mark this log's entries with: <see cref="EntryIntegrity.LogUnverified"/> once it failed (policy <c>mark</c>).</summary>
    public EntryIntegrity EntryMark(LogSession session) =>
        options.Value.Enabled && _states.TryGetValue(session, out var state) && state.Failed ? EntryIntegrity.LogUnverified : EntryIntegrity.Verified;

    /// <summary>Marks <paramref name="entries"/> in place when the log failed (no work otherwise).</summary>
    public void Mark(LogSession session, List<CtLogEntry> entries)
    {
        if (EntryMark(session) != EntryIntegrity.LogUnverified)
        {
            return;
        }

        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Integrity == EntryIntegrity.Verified)
            {
                entries[i] = entries[i] with { Integrity = EntryIntegrity.LogUnverified };
            }
        }
    }

    private async Task<(LogState? State, bool Proceed)> PrepareAsync(LogSession session, CancellationToken ct)
    {
        if (!options.Value.Enabled)
        {
            return (null, true);
        }

        var state = _states.GetValue(session, static s => new LogState(s.Log));
        if (state.Key is not null && !state.Loaded)
        {
            // Once per session: a Redis failure fails this round (as a cursor save would) and the next one tries again.
            await LoadAsync(session, state).WaitAsync(ct);
            state.Loaded = true;
        }

        if (state.Failed && options.Value.StopOnFailure)
        {
            return (null, false);
        }

        if (state.Key is null && !state.NoKeyReported)
        {
            state.NoKeyReported = true;
            IngestorLog.LogHasNoKey(logger, session.Log.Key);
        }

        return (state, true);
    }

    /// <summary>The state the last session of this log left in Redis: the tree head to check the next one against, and a failure.</summary>
    private async Task LoadAsync(LogSession session, LogState state)
    {
        if (await store.LoadAsync(session.Log.Key) is not { } saved)
        {
            return;
        }

        if (saved.Root is { } root && state.Verified is null)
        {
            state.Verified = (saved.Size, root);
            IngestorLog.VerifiedHeadLoaded(logger, session.Log.Key, saved.Size);
        }

        if (saved.FailedCheck is { } check && !state.Failed)
        {
            state.Failed = true;
            metrics.MarkFailed(session.Log.Key, check);
            Interlocked.CompareExchange(ref session.Status.IntegrityFailure, check, null);
            IngestorLog.VerificationFailureLoaded(logger, session.Log.Key, check, saved.FailedAt ?? DateTimeOffset.UnixEpoch, saved.FailedDetail ?? "",
                ActionName, Contracts.RedisNames.LogVerificationKey(session.Log.Key));
        }
    }

    private string ActionName => options.Value.StopOnFailure ? "stopped" : "streamed marked log_unverified";

    private async Task<bool> AcceptedAsync(LogSession session, LogState state, long size, byte[] root)
    {
        if (Accepted(session, state, size, root, out var advanced) && advanced)
        {
            try
            {
                await store.SaveHeadAsync(session.Log.Key, size, root);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                IngestorLog.VerificationStateSaveFailed(logger, session.Log.Key, ex.Message);
            }
        }

        return !state.Failed || !options.Value.StopOnFailure;
    }

    private bool Accepted(LogSession session, LogState state, long size, byte[] root, out bool advanced)
    {
        advanced = false;
        if (state.Verified is { } last && size == last.Size && !root.AsSpan().SequenceEqual(last.Root))
        {
            return Fail(session, state, "fork", $"two signed tree heads of size {size} with different roots");
        }

        // A smaller head (a cache serving an old one) is signed but does not replace the newer verified head.
        if (state.Verified is not { } previous || size > previous.Size)
        {
            state.Verified = (size, root);
            advanced = !state.Failed;
        }

        metrics.TreeHeadVerified(session.Log.Key);
        return true;
    }

    private bool Fail(LogSession session, LogState state, string check, string detail)
    {
        metrics.Failed(session.Log.Key, check);
        Interlocked.CompareExchange(ref session.Status.IntegrityFailure, check, null);
        if (state.TryFail())
        {
            IngestorLog.LogVerificationFailed(logger, session.Log.Key, check, detail, ActionName);
            // Once per failure, off the fetch path: Redis keeps it for the next session, clients that asked get the event.
            _ = ReportAsync(session.Log, check, detail);
        }

        return !options.Value.StopOnFailure;
    }

    private async Task ReportAsync(CtLogInfo log, string check, string detail)
    {
        var at = time.GetUtcNow();
        try
        {
            await store.SaveFailureAsync(log.Key, check, detail, at);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            IngestorLog.VerificationStateSaveFailed(logger, log.Key, ex.Message);
        }

        await events.PublishAsync(new IntegrityEvent(log, check, detail, options.Value.StopOnFailure ? "stop" : "mark", at));
    }

    /// <summary>One log's verification state: its key, the last verified tree head, what failed.</summary>
    private sealed class LogState(CtLogInfo log)
    {
        public LogKey? Key { get; } = log.PublicKey is { } spki && LogKey.TryCreate(spki, out var key) ? key : null;

        public (long Size, byte[] Root)? Verified { get; set; }

        private int _failed;

        public bool Failed
        {
            get => Volatile.Read(ref _failed) == 1;
            set => Volatile.Write(ref _failed, value ? 1 : 0);
        }

        /// <summary>Marks the log failed; true only for the first caller (tiles of a round are checked concurrently).</summary>
        public bool TryFail() => Interlocked.Exchange(ref _failed, 1) == 0;

        /// <summary>Whether the state Redis kept for the log was loaded in this session.</summary>
        public bool Loaded { get; set; }

        /// <summary>Static-ct-api: hash tiles kept between rounds.</summary>
        public TileStore Tiles { get; } = new();

        public bool NoKeyReported { get; set; }

        public bool NoProofs { get; set; }

        private int _noInclusionProofs;

        public bool NoInclusionProofs => Volatile.Read(ref _noInclusionProofs) == 1;

        /// <summary>Notes that the log serves no inclusion proofs; true only for the first caller.</summary>
        public bool MarkNoInclusionProofs() => Interlocked.Exchange(ref _noInclusionProofs, 1) == 0;
    }
}
