using System.Security.Cryptography;
using CertStream.CtLogSimulator.Entries;
using CertStream.CtLogSimulator.Faults;
using CertStream.CtLogSimulator.Growth;

namespace CertStream.CtLogSimulator;

/// <summary>
/// A simulated CT log: its size and growth, its entries by index, the faults it will answer with and
/// the requests it has seen. Thread-safe. Entry i is the same on every request (tests check content by index).
/// </summary>
public sealed class SimulatedLog : IDisposable
{
    private const int JournalCapacity = 4096;
    private const long StaticCtWidth = 256;

    private readonly SimulatedLogOptions _options;
    private readonly GrowthModel _growth;
    private readonly Func<string> _baseUrl;
    private readonly EntryCache _entries;
    private readonly long[] _requestCounts = new long[Enum.GetValues<SimulatedEndpoint>().Length];
    private readonly Queue<SimulatedRequest> _journal = new();
    private readonly Lock _journalGate = new();
    private readonly IReadOnlyList<SimulatedEntry> _recorded;
    private readonly ECDsa _signingKey;
    private readonly ECDsa? _rogueKey;
    private long _treeHeadsSigned;
    private int _historyRewritten;
    private long _requestsBeyondTree;
    private volatile int _pageCap;
    private volatile int _state;

    internal SimulatedLog(SimulatedLogOptions options, TimeProvider time, Func<string> baseUrl)
    {
        options.Validate();
        _options = options;
        Time = time;
        _baseUrl = baseUrl;
        _growth = new GrowthModel(time, options.InitialSize, options.EntriesPerSecond, options.TreeHeadIntervalMs, (long)(options.InitialAgeSecs * 1000));
        _entries = new EntryCache(options.EntryCacheSize);
        _pageCap = options.PageCap;
        _state = (int)options.State;
        _recorded = !options.UseRecordedEntries ? []
            : options.Kind == SimulatedLogKind.Tiled ? RecordedData.Shared.TiledEntries : RecordedData.Shared.Rfc6962Entries;
        _signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // A log that serves bad signatures signs with a key it does not publish.
        _rogueKey = options.Integrity == SimulatedLogIntegrity.BadSignature ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null;
        var spki = _signingKey.ExportSubjectPublicKeyInfo();
        PublicKeySpki = spki;
        LogId = SHA256.HashData(spki);
        if (options.Kind == SimulatedLogKind.Tiled)
        {
            // The tree its checkpoints sign, and the one its hash tiles show: the same unless it misbehaves.
            var tampered = options.Integrity is SimulatedLogIntegrity.BadDataTile or SimulatedLogIntegrity.BadLevelTile;
            var opaqueBelow = options.InitialSize > TileHashes.FullyHashedLimit ? options.InitialSize / StaticCtWidth * StaticCtWidth : 0;
            TreeHashes = new TileHashes(tampered ? TamperedLeafHash : ServedLeafHash, options.Name, opaqueBelow);
            ServedTileHashes = options.Integrity == SimulatedLogIntegrity.BadLevelTile ? new TileHashes(ServedLeafHash, options.Name, opaqueBelow) : TreeHashes;
        }
    }

    public string Name => _options.Name;

    public SimulatedLogKind Kind => _options.Kind;

    /// <summary>
    /// The URL to follow, ending with '/': the RFC 6962 <c>url</c>, or the static-ct <c>monitoring_url</c>
    /// (which is also its <c>submission_url</c>).
    /// </summary>
    public string Url => $"{_baseUrl()}/logs/{Name}/";

    /// <summary>Tiled logs: the checkpoint origin (the submission URL without scheme and trailing '/').</summary>
    public string Origin => OriginFor(new Uri(_baseUrl()).Authority);

    /// <summary>The current tree size (grows with time at <see cref="EntriesPerSecond"/>).</summary>
    public long TreeSize => _growth.Size();

    public double EntriesPerSecond
    {
        get => _growth.EntriesPerSecond;
        set => _growth.SetRate(value);
    }

    /// <summary>RFC 6962: the most entries per get-entries answer; can be changed while running.</summary>
    public int PageCap
    {
        get => _pageCap;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _pageCap = value;
        }
    }

    /// <summary>The state the log list shows (readonly: the current size is its final tree head).</summary>
    public SimulatedLogState State
    {
        get => (SimulatedLogState)_state;
        set => _state = (int)value;
    }

    /// <summary>The log's key (DER SubjectPublicKeyInfo, ECDSA P-256) as the log list gives it; STHs are signed with it.</summary>
    public ReadOnlyMemory<byte> PublicKeySpki { get; }

    /// <summary>SHA-256 of <see cref="PublicKeySpki"/>.</summary>
    public ReadOnlyMemory<byte> LogId { get; }

    public int PendingFaults => Faults.PendingCount;

    internal SimulatedLogOptions Options => _options;

    internal TimeProvider Time { get; }

    internal FaultSchedule Faults { get; } = new();

    /// <summary>Encoded full data tiles (16 × ~400 KB at most).</summary>
    internal TileCache FullTiles { get; } = new(16);

    /// <summary>Full level-0 hash tiles (16 × 8 KB): the leaf hashes of a full data tile, costly to recompute.</summary>
    internal TileCache FullLevelZeroTiles { get; } = new(16);

    /// <summary>Tiled logs: the tree whose roots its checkpoints sign.</summary>
    internal TileHashes? TreeHashes { get; }

    /// <summary>Tiled logs: the tree its hash tiles (<c>tile/&lt;L&gt;/…</c>) show; <see cref="TreeHashes"/> unless <see cref="SimulatedLogIntegrity.BadLevelTile"/>.</summary>
    internal TileHashes? ServedTileHashes { get; }

    /// <summary>Appends <paramref name="count"/> entries now; returns the new tree size.</summary>
    public long Grow(long count) => _growth.Grow(count);

    /// <summary>Appends <paramref name="count"/> entries stamped evenly over the past <paramref name="spread"/>; returns the new tree size.</summary>
    public long GrowBackdated(long count, TimeSpan spread) => _growth.GrowBackdated(count, spread);

    /// <summary>
    /// RFC 6962 logs with <see cref="SimulatedLogOptions.MerkleTree"/>: from now on, serve another history (entry 0 hashes
    /// differently), properly signed and consistent with itself: a log that forks while nobody watches.
    /// </summary>
    public void RewriteHistory()
    {
        if (!_options.MerkleTree)
        {
            throw new InvalidOperationException($"log '{Name}' has no Merkle tree to rewrite (MerkleTree = false)");
        }

        Volatile.Write(ref _historyRewritten, 1);
    }

    /// <summary>The next <paramref name="count"/> requests to which <paramref name="fault"/> applies get it.</summary>
    public void InjectFault(SimulatedFault fault, int count = 1) => Faults.Add(fault, count);

    /// <summary>Every <paramref name="everyNth"/>th request to which <paramref name="fault"/> applies gets it, until cleared.</summary>
    public void InjectFaultEvery(SimulatedFault fault, int everyNth) => Faults.AddEvery(fault, everyNth);

    public void ClearFaults() => Faults.Clear();

    /// <summary>Requests received for <paramref name="endpoint"/> (faulted ones included).</summary>
    public long RequestCount(SimulatedEndpoint endpoint) => Interlocked.Read(ref _requestCounts[(int)endpoint]);

    /// <summary>
    /// Requests for data that does not exist at the current size, the politeness measure: get-entries
    /// with <c>start &gt;= tree_size</c> (or <c>end &gt;= tree_size</c> when such requests are rejected),
    /// data tiles beyond the tree, and partial tiles other than the current right edge.
    /// </summary>
    public long RequestsBeyondTree => Interlocked.Read(ref _requestsBeyondTree);

    /// <summary>The most recent requests (up to 4096), oldest first.</summary>
    public IReadOnlyList<SimulatedRequest> Requests
    {
        get
        {
            lock (_journalGate)
            {
                return [.. _journal];
            }
        }
    }

    /// <summary>
    /// Entry <paramref name="index"/> as the log serves it: the expected content for assertions.
    /// Defined for any index >= 0, also beyond the current tree size (a later request will serve exactly it).
    /// </summary>
    public SimulatedEntry GetEntry(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (index < _recorded.Count)
        {
            return _recorded[(int)index];
        }

        return _entries.GetOrAdd(index, CreateEntry);
    }

    /// <summary>The leaf certificate DER of entry <paramref name="index"/> (the <c>pre_certificate</c> for precerts).</summary>
    public ReadOnlyMemory<byte> GetExpectedLeafDer(long index) => GetEntry(index).LeafDer;

    public void Dispose()
    {
        _signingKey.Dispose();
        _rogueKey?.Dispose();
    }

    internal string OriginFor(string authority) => $"{authority}/logs/{Name}";

    internal void CountRequestBeyondTree() => Interlocked.Increment(ref _requestsBeyondTree);

    internal void CountRequest(SimulatedEndpoint endpoint) => Interlocked.Increment(ref _requestCounts[(int)endpoint]);

    internal void Record(SimulatedEndpoint endpoint, string pathAndQuery, int statusCode)
    {
        var request = new SimulatedRequest(endpoint, pathAndQuery, statusCode, Time.GetUtcNow());
        lock (_journalGate)
        {
            if (_journal.Count == JournalCapacity)
            {
                _journal.Dequeue();
            }

            _journal.Enqueue(request);
        }
    }

    /// <summary>
    /// The tree head as served now (STH or checkpoint): the current size, or with a stale-tree-head
    /// fault, a caching front-end's older head (smaller and a minute older).
    /// </summary>
    internal TreeHead ServedTreeHead(SimulatedFault? fault)
    {
        var size = TreeSize;
        var timestamp = Time.GetUtcNow().ToUnixTimeMilliseconds();
        if (fault?.Kind == SimulatedFaultKind.StaleTreeHead)
        {
            size = Math.Max(0, size - fault.StaleBy);
            timestamp -= 60_000;
        }

        return SignTreeHead(size, timestamp);
    }

    /// <summary>
    /// A plausible tree head: the root is a stand-in (not a Merkle root), the signature is real (by the published
    /// key, or another one for <see cref="SimulatedLogIntegrity.BadSignature"/>). A log that forks history gives
    /// every other tree head another root for the same size.
    /// </summary>
    internal TreeHead SignTreeHead(long treeSize, long timestampMs)
    {
        var root = new byte[32];
        var fork = _options.Integrity == SimulatedLogIntegrity.ForkedHistory && (Interlocked.Increment(ref _treeHeadsSigned) & 1) == 0;
        if (TreeHashes is not null && treeSize > 0 && !fork)
        {
            root = TreeHashes.Root(treeSize);
        }
        else if (_options.MerkleTree && treeSize > 0)
        {
            root = MerkleHashes.Root(LeafHashes(treeSize, fork), 0, (int)treeSize);
        }
        else
        {
            SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(fork ? $"certstream-sim/{Name}/{treeSize}/fork" : $"certstream-sim/{Name}/{treeSize}"), root);
        }

        // RFC 6962 §3.5 TreeHeadSignature: version v1, signature_type tree_hash, timestamp, tree_size, root.
        var signed = new TlsWriter(50);
        signed.UInt8(0);
        signed.UInt8(1);
        signed.UInt64(timestampMs);
        signed.UInt64(treeSize);
        signed.Bytes(root);
        var signature = (_rogueKey ?? _signingKey).SignData(signed.WrittenSpan, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        // DigitallySigned: hash sha256 (4), signature ecdsa (3), opaque signature<0..2^16-1>.
        var digitallySigned = new TlsWriter(signature.Length + 4);
        digitallySigned.UInt8(4);
        digitallySigned.UInt8(3);
        digitallySigned.UInt16(signature.Length);
        digitallySigned.Bytes(signature);
        return new TreeHead(treeSize, timestampMs, root, digitallySigned.ToArray());
    }

    /// <summary>
    /// The leaf hashes of the tree of <paramref name="treeSize"/> (<see cref="SimulatedLogOptions.MerkleTree"/>): those of the
    /// entries served, except that a log that rewrites history (or the other branch of a fork) hashes entry 0 differently.
    /// </summary>
    internal IReadOnlyList<byte[]> LeafHashes(long treeSize, bool fork = false)
    {
        var hashes = new byte[treeSize][];
        for (var i = 0; i < treeSize; i++)
        {
            hashes[i] = MerkleHashes.LeafHash(GetEntry(i).LeafInput.Span);
        }

        // The other branch of a fork and a history rewritten at run time are one consistent other history.
        var other = fork || Volatile.Read(ref _historyRewritten) == 1;
        if (treeSize > 0 && (other || _options.Integrity == SimulatedLogIntegrity.RewritesHistory))
        {
            hashes[0] = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"certstream-sim/{Name}/rewritten/{(other ? "fork" : treeSize)}"));
        }

        return hashes;
    }

    /// <summary>The leaf hash of entry <paramref name="index"/> as its data tile serves it.</summary>
    private byte[] ServedLeafHash(long index) => TileHashes.LeafHashOfTileLeaf(GetEntry(index).TileLeaf.Span);

    /// <summary>
    /// A log that misbehaves with its tiles hashes every entry appended after it was created as something other
    /// than the entry its data tile serves (the entries it started with stay honest, so an ingestor starting at its tip sees nothing wrong).
    /// </summary>
    private byte[] TamperedLeafHash(long index) => index < _options.InitialSize
        ? ServedLeafHash(index)
        : SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"certstream-sim/{Name}/tampered/{index}"));

    private SimulatedEntry CreateEntry(long index)
    {
        var timestamp = _growth.TimestampMs(index);
        var factory = CertificateFactory.Shared;

        // Alternate the entry types so both decoders paths are exercised by generated data.
        var type = index % 2 == 1 ? SimulatedEntryType.Precert : SimulatedEntryType.X509;
        var notBefore = DateTimeOffset.FromUnixTimeMilliseconds(timestamp).AddHours(-1);
        var leaf = factory.CreateLeaf(Name, index, notBefore, type == SimulatedEntryType.Precert);
        ReadOnlyMemory<byte> tbs = default;
        ReadOnlyMemory<byte> issuerKeyHash = default;
        if (type == SimulatedEntryType.Precert)
        {
            tbs = factory.CreateLeafTbs(Name, index, notBefore, poison: false);
            issuerKeyHash = factory.IntermediateSpkiHash;
        }

        var chain = new ReadOnlyMemory<byte>[factory.Chain.Count];
        for (var i = 0; i < chain.Length; i++)
        {
            chain[i] = factory.Chain[i];
        }

        var certOrTbs = type == SimulatedEntryType.Precert ? tbs.Span : leaf;
        if (Kind == SimulatedLogKind.Tiled)
        {
            return new SimulatedEntry(index, timestamp, type, leaf, tbs, issuerKeyHash, chain, isRecorded: false)
            {
                TileLeaf = EntryEncoder.TileLeaf(index, timestamp, type, certOrTbs, issuerKeyHash.Span, leaf, chain),
            };
        }

        return new SimulatedEntry(index, timestamp, type, leaf, tbs, issuerKeyHash, chain, isRecorded: false)
        {
            LeafInput = EntryEncoder.LeafInput(timestamp, type, certOrTbs, issuerKeyHash.Span),
            ExtraData = EntryEncoder.ExtraData(type, leaf, chain),
        };
    }

    internal readonly record struct TreeHead(long TreeSize, long TimestampMs, byte[] RootHash, byte[] Signature);
}
