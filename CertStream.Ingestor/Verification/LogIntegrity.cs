using System.Runtime.CompilerServices;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Ct.StaticCt;
using CertStream.Ingestor.Following;
using CertStream.Ingestor.Telemetry;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Verification;

/// <summary>
/// Verifies what each followed log serves (README "Verification"): every STH or checkpoint signature with the
/// log list's key; that a new tree head extends the last verified one (same size, other root: a fork;
/// RFC 6962: get-sth-consistency); RFC 6962: that sampled fetched entries are in the verified tree
/// (get-proof-by-hash). A log that fails is marked (metric, log line) and, by <c>verification:on_failure</c>,
/// either stopped (nothing more is fetched or published until the ingestor restarts) or streamed with its
/// entries marked <see cref="EntryIntegrity.LogUnverified"/>. Per-log state lives as long as the log's session.
/// </summary>
public sealed class LogIntegrity(
    IOptions<VerificationOptions> options,
    ProofClient proofs,
    VerificationMetrics metrics,
    ILogger<LogIntegrity> logger)
{
    private readonly ConditionalWeakTable<LogSession, LogState> _states = new();

    /// <summary>
    /// Checks a get-sth answer. False: do not use it this round (it failed and the policy stops the log, or the log
    /// is stopped already). True: go on (verified, or failed under <c>mark</c>, or the log has no key).
    /// </summary>
    public async Task<bool> AcceptSthAsync(LogSession session, SignedTreeHead sth, CancellationToken ct)
    {
        var state = Prepare(session, out var proceed);
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

        return Accepted(session, state, sth.TreeSize, sth.RootHash);
    }

    /// <summary>Checks a checkpoint (signature, and a fork at an equal size); as <see cref="AcceptSthAsync"/>.</summary>
    public bool AcceptCheckpoint(LogSession session, ReadOnlySpan<byte> body, in Checkpoint checkpoint)
    {
        var state = Prepare(session, out var proceed);
        if (state?.Key is not { } key)
        {
            return proceed;
        }

        if (!CheckpointSignature.Verify(body, checkpoint, key, out _))
        {
            return Fail(session, state, "checkpoint_signature", $"the checkpoint of size {checkpoint.TreeSize} has no valid signature by the log list's key");
        }

        return Accepted(session, state, checkpoint.TreeSize, checkpoint.RootHash.ToArray());
    }

    /// <summary>
    /// RFC 6962: checks that <c>inclusion_checks_per_batch</c> entries of a fetched batch (starting at <paramref name="start"/>)
    /// are in the last verified tree. False when the batch must not be published (failed under <c>stop</c>).
    /// </summary>
    public async Task<bool> CheckInclusionAsync(LogSession session, long start, IReadOnlyList<ReadOnlyMemory<byte>> leafInputs, CancellationToken ct)
    {
        var state = Prepare(session, out var proceed);
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

    private LogState? Prepare(LogSession session, out bool proceed)
    {
        proceed = true;
        if (!options.Value.Enabled)
        {
            return null;
        }

        var state = _states.GetValue(session, static s => new LogState(s.Log));
        if (state.Failed && options.Value.StopOnFailure)
        {
            proceed = false;
            return null;
        }

        if (state.Key is null && !state.NoKeyReported)
        {
            state.NoKeyReported = true;
            IngestorLog.LogHasNoKey(logger, session.Log.Key);
        }

        return state;
    }

    private bool Accepted(LogSession session, LogState state, long size, byte[] root)
    {
        if (state.Verified is { } last && size == last.Size && !root.AsSpan().SequenceEqual(last.Root))
        {
            return Fail(session, state, "fork", $"two signed tree heads of size {size} with different roots");
        }

        // A smaller head (a cache serving an old one) is signed but does not replace the newer verified head.
        if (state.Verified is not { } previous || size > previous.Size)
        {
            state.Verified = (size, root);
        }

        metrics.TreeHeadVerified(session.Log.Key);
        return !state.Failed || !options.Value.StopOnFailure;
    }

    private bool Fail(LogSession session, LogState state, string check, string detail)
    {
        metrics.Failed(session.Log.Key, check);
        Interlocked.CompareExchange(ref session.Status.IntegrityFailure, check, null);
        if (!state.Failed)
        {
            state.Failed = true;
            IngestorLog.LogVerificationFailed(logger, session.Log.Key, check, detail, options.Value.StopOnFailure ? "stopped" : "streamed marked log_unverified");
        }

        return !options.Value.StopOnFailure;
    }

    /// <summary>One log's verification state: its key, the last verified tree head, what failed.</summary>
    private sealed class LogState(CtLogInfo log)
    {
        public LogKey? Key { get; } = log.PublicKey is { } spki && LogKey.TryCreate(spki, out var key) ? key : null;

        public (long Size, byte[] Root)? Verified { get; set; }

        public bool Failed { get; set; }

        public bool NoKeyReported { get; set; }

        public bool NoProofs { get; set; }

        private int _noInclusionProofs;

        public bool NoInclusionProofs => Volatile.Read(ref _noInclusionProofs) == 1;

        /// <summary>Notes that the log serves no inclusion proofs; true only for the first caller.</summary>
        public bool MarkNoInclusionProofs() => Interlocked.Exchange(ref _noInclusionProofs, 1) == 0;
    }
}
