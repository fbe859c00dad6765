namespace CertStream.CtLogSimulator;

public enum SimulatedLogKind
{
    /// <summary>RFC 6962: <c>ct/v1/get-sth</c>, <c>ct/v1/get-entries</c>, <c>ct/v1/get-roots</c>.</summary>
    Rfc6962 = 0,

    /// <summary>static-ct-api: <c>checkpoint</c>, <c>tile/data/…</c>, <c>issuer/…</c>.</summary>
    Tiled = 1,
}

/// <summary>The <c>state</c> a log has in the simulator's log list.</summary>
public enum SimulatedLogState
{
    Usable = 0,
    Qualified = 1,
    ReadOnly = 2,
    Retired = 3,
    Rejected = 4,
    Pending = 5,
}

/// <summary>How data tiles are sent.</summary>
public enum SimulatedTileEncoding
{
    /// <summary>gzip body with <c>Content-Encoding: gzip</c>, whatever the request's Accept-Encoding (as static-ct logs do).</summary>
    Gzip = 0,

    /// <summary>gzip body without a Content-Encoding header (seen behind some object stores).</summary>
    GzipWithoutHeader = 1,

    /// <summary>Uncompressed.</summary>
    Identity = 2,
}

/// <summary>How a simulated log signs its tree heads.</summary>
public enum SimulatedLogIntegrity
{
    /// <summary>Signed with the key its log list publishes, one history.</summary>
    Honest = 0,

    /// <summary>Tree heads (get-sth, checkpoint) signed with a key other than the published one.</summary>
    BadSignature = 1,

    /// <summary>Forks history: every other tree head of a size has another root, each properly signed.</summary>
    ForkedHistory = 2,

    /// <summary>
    /// With <see cref="SimulatedLogOptions.MerkleTree"/>: every tree head is a real, signed Merkle root, but entry 0
    /// hashes differently at each size, so no tree extends the one before (a log that rewrites history).
    /// </summary>
    RewritesHistory = 3,

    /// <summary>
    /// Tiled logs: the checkpoints and hash tiles describe one tree, but the data tiles serve other entries from
    /// the initial size on (data tiles do not hash to the level-0 tiles).
    /// </summary>
    BadDataTile = 4,

    /// <summary>
    /// Tiled logs: the data tiles hash to the level-0 tiles, but from the initial size on the checkpoints sign the
    /// root of another tree (the hash tiles do not fold into the checkpoint's root).
    /// </summary>
    BadLevelTile = 5,
}

/// <summary>One simulated log. <see cref="Name"/> is a DNS label ([a-z0-9-]) used in its URL and certificate names.</summary>
public sealed record SimulatedLogOptions
{
    public required string Name { get; init; }

    public SimulatedLogKind Kind { get; init; }

    /// <summary>Tree size when the log is added.</summary>
    public long InitialSize { get; init; }

    /// <summary>Growth rate, driven by the server's TimeProvider (0: grows only by <see cref="SimulatedLog.Grow"/>).</summary>
    public double EntriesPerSecond { get; init; }

    /// <summary>RFC 6962: the most entries one get-entries answer holds (RFC 6962 §4.6 lets logs cap it).</summary>
    public int PageCap { get; init; } = 256;

    /// <summary>RFC 6962: answer 400 when <c>end &gt;= tree_size</c> (some logs do) instead of clamping <c>end</c>.</summary>
    public bool RejectEndBeyondTreeSize { get; init; }

    /// <summary>Serve the embedded real entries first (40 for RFC 6962, 1024 for tiled), then generated ones.</summary>
    public bool UseRecordedEntries { get; init; } = true;

    /// <summary>Generated entries kept in memory (a direct-mapped cache; evicted entries are generated again identically).</summary>
    public int EntryCacheSize { get; init; } = 4096;

    public SimulatedTileEncoding TileEncoding { get; init; }

    /// <summary>
    /// 0: the tree size is live. Above 0: tree heads (and the partial tile at their right edge) change only
    /// every this many ms, as a real log publishes them; a client reading a checkpoint then its partial tile
    /// finds it unless a boundary falls in between.
    /// </summary>
    public int TreeHeadIntervalMs { get; init; }

    /// <summary>0: the initial entries are stamped at start. Above 0: stamped evenly over this many seconds before it (a log with a history).</summary>
    public double InitialAgeSecs { get; init; }

    public SimulatedLogState State { get; init; }

    /// <summary>An honest log, or one that misbehaves in a way verification must catch.</summary>
    public SimulatedLogIntegrity Integrity { get; init; }

    /// <summary>
    /// RFC 6962 logs: real Merkle roots in the tree heads, and get-sth-consistency and get-proof-by-hash served
    /// (otherwise the root is a stand-in and those answer 404). Costs O(size) per request: for small test logs.
    /// </summary>
    public bool MerkleTree { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrEmpty(Name) || Name.Length > 63 || !Name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') || Name[0] == '-' || Name[^1] == '-')
        {
            throw new ArgumentException($"log name '{Name}' must be a DNS label of [a-z0-9-]", nameof(Name));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(InitialSize);
        if (Integrity is SimulatedLogIntegrity.BadDataTile or SimulatedLogIntegrity.BadLevelTile && Kind != SimulatedLogKind.Tiled)
        {
            throw new ArgumentException($"log '{Name}': {Integrity} needs a tiled log", nameof(Integrity));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(PageCap, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(EntryCacheSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(TreeHeadIntervalMs);
        if (double.IsNaN(InitialAgeSecs) || InitialAgeSecs < 0 || double.IsInfinity(InitialAgeSecs))
        {
            throw new ArgumentOutOfRangeException(nameof(InitialAgeSecs), InitialAgeSecs, "must be a finite number >= 0");
        }
        if (double.IsNaN(EntriesPerSecond) || EntriesPerSecond < 0 || double.IsInfinity(EntriesPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(EntriesPerSecond), EntriesPerSecond, "must be a finite number >= 0");
        }
    }
}
