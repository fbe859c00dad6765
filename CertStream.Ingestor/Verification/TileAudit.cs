using System.Collections.Concurrent;
using System.Security.Cryptography;
using CertStream.Ingestor.Ct.StaticCt;

namespace CertStream.Ingestor.Verification;

/// <summary>
/// Static-ct-api: checks one round's data tiles against the verified checkpoint (size, root), docs/ct-protocols.md §2.5.
/// A data tile's entries must hash to its level-0 tile; a full level tile must hash to its entry in the tile above;
/// and the right-edge tile of each level (partial ones included) must fold into the checkpoint's root
/// (<see cref="TiledTree.Root"/>). Every chain of full tiles ends in a right-edge tile, so a data tile that passes
/// is in the signed tree. Each tile is fetched at most once per round; tiles are kept per log between rounds
/// (<see cref="TileStore"/>): a tile at a given width never changes in an honest log, and one that did would no
/// longer fold into the new root. Thread-safe: the tiles of a round are checked concurrently.
/// </summary>
public sealed class TileAudit
{
    private readonly TileStore _store;
    private readonly Func<int, long, int, CancellationToken, Task<byte[]>> _fetch;
    private readonly CancellationToken _ct;
    private readonly ConcurrentDictionary<(int Level, long Index), Lazy<Task<byte[]>>> _tiles = new();
    private readonly ConcurrentDictionary<(int Level, long Index), Lazy<Task<TileFailure?>>> _linked = new();
    private readonly Lazy<Task<TileFailure?>> _root;

    /// <param name="size">The verified checkpoint's size.</param>
    /// <param name="root">Its root hash.</param>
    /// <param name="store">This log's tiles kept from earlier rounds.</param>
    /// <param name="fetch">Fetches the hashes of tile (level, index) at a width.</param>
    /// <param name="ct">The round's cancellation.</param>
    public TileAudit(long size, byte[] root, TileStore store, Func<int, long, int, CancellationToken, Task<byte[]>> fetch, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        Root = root;
        _store = store;
        _fetch = fetch;
        _ct = ct;
        _root = new Lazy<Task<TileFailure?>>(CheckRootAsync);
        store.Prune(size);
    }

    public long Size { get; }

    public byte[] Root { get; }

    /// <summary>
    /// Checks that the entries of data tile <paramref name="tile"/> from <paramref name="fromIndex"/> on are in the verified tree.
    /// <paramref name="leaves"/> are the tile's first <c>WidthAt(0, tile)</c> records (as the tree of <see cref="Size"/> has them).
    /// Null when they are; otherwise which check failed.
    /// </summary>
    public async Task<TileFailure?> CheckDataTileAsync(long tile, IReadOnlyList<TileLeaf> leaves, long fromIndex)
    {
        var width = WidthAt(0, tile);
        if (width < 1 || leaves.Count < width)
        {
            return new TileFailure("data_tile", $"data tile {tile} has {leaves.Count} entries, the checkpoint of size {Size} has {Math.Max(width, 0)} in it");
        }

        var hashes = await TileAsync(0, tile);
        var first = (int)Math.Max(0, fromIndex - tile * TilePathWidth);
        if (!LeafHashesMatch(leaves, first, width, hashes, out var index))
        {
            return new TileFailure("data_tile", $"entry {index} as served does not hash to its level-0 tile in the checkpoint of size {Size}");
        }

        var linked = await LinkedAsync(0, tile);
        if (!IsRightEdge(0, tile))
        {
            // Only this data tile reads it: a long catch-up must not hold every level-0 tile (8 KB per 256 entries) until the round ends.
            _tiles.TryRemove((0, tile), out _);
        }

        return linked;
    }

    private bool IsRightEdge(int level, long index) => index == (Size >> (8 * level)) / TilePathWidth;

    private const int TilePathWidth = TiledTree.Width;

    /// <summary>Hashes of tile (level, index) in the tree of <see cref="Size"/>: 256 when it is full, the right edge's count otherwise.</summary>
    public int WidthAt(int level, long index) => (int)Math.Min(TilePathWidth, (Size >> (8 * level)) - (index * TilePathWidth));

    /// <summary>Compares the leaf hashes of records [first, width) with the level-0 hashes; one SHA-256 per record.</summary>
    private static bool LeafHashesMatch(IReadOnlyList<TileLeaf> leaves, int first, int width, byte[] levelZero, out long mismatch)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> hash = stackalloc byte[MerkleTree.HashLength];
        ReadOnlySpan<byte> prefix = [0, 0, 0]; // leaf prefix, MerkleTreeLeaf version v1, leaf_type timestamped_entry
        for (var i = first; i < width; i++)
        {
            sha.AppendData(prefix);
            sha.AppendData(leaves[i].TimestampedEntry.Span);
            sha.GetHashAndReset(hash);
            if (!hash.SequenceEqual(levelZero.AsSpan(i * MerkleTree.HashLength, MerkleTree.HashLength)))
            {
                mismatch = leaves[i].Index;
                return false;
            }
        }

        mismatch = -1;
        return true;
    }

    /// <summary>Whether tile (level, index) hashes up into the checkpoint's root; memoized per round.</summary>
    private Task<TileFailure?> LinkedAsync(int level, long index) =>
        _linked.GetOrAdd((level, index), key => new Lazy<Task<TileFailure?>>(() => CheckLinkAsync(key.Level, key.Index))).Value;

    private async Task<TileFailure?> CheckLinkAsync(int level, long index)
    {
        if (IsRightEdge(level, index))
        {
            return await _root.Value; // a right-edge tile: read by the root's fold
        }

        // A full tile: its subtree is one hash of the tile above.
        var tile = await TileAsync(level, index);
        var subtree = MerkleTree.Root(tile);
        var parent = await TileAsync(level + 1, index / TilePathWidth);
        var slot = (int)(index % TilePathWidth) * MerkleTree.HashLength;
        if (!parent.AsSpan(slot, MerkleTree.HashLength).SequenceEqual(subtree))
        {
            return new TileFailure("level_tile", $"level-{level} tile {index} does not hash to its entry in level-{level + 1} tile {index / TilePathWidth} (checkpoint of size {Size})");
        }

        return await LinkedAsync(level + 1, index / TilePathWidth);
    }

    /// <summary>Folds the right-edge tile of every level into a root and compares it with the checkpoint's.</summary>
    private async Task<TileFailure?> CheckRootAsync()
    {
        var edges = new Dictionary<(int, long), byte[]>();
        for (var level = 0; Size >> (8 * level) > 0; level++)
        {
            var index = (Size >> (8 * level)) / TilePathWidth;
            if (WidthAt(level, index) > 0)
            {
                edges[(level, index)] = await TileAsync(level, index);
            }
        }

        var root = TiledTree.Root(Size, (level, index) => edges[(level, index)]);
        return root.AsSpan().SequenceEqual(Root)
            ? null
            : new TileFailure("tile_root", $"the hash tiles of the tree of size {Size} do not fold into the checkpoint's root");
    }

    private Task<byte[]> TileAsync(int level, long index) =>
        _tiles.GetOrAdd((level, index), key => new Lazy<Task<byte[]>>(() => LoadAsync(key.Level, key.Index))).Value;

    private async Task<byte[]> LoadAsync(int level, long index)
    {
        var width = WidthAt(level, index);
        if (_store.TryGet(level, index, width, out var kept))
        {
            return kept;
        }

        var hashes = await _fetch(level, index, width, _ct);
        if (index >= (Size >> (8 * level)) / TilePathWidth - 1)
        {
            _store.Add(level, index, width, hashes); // what the next rounds may read again (bounded: two tiles a level)
        }

        return hashes;
    }
}

/// <summary>Which tile check failed (<c>data_tile</c>, <c>level_tile</c>, <c>tile_root</c>) and why.</summary>
public readonly record struct TileFailure(string Check, string Detail);

/// <summary>
/// One log's hash tiles kept between rounds, so that tailing a log does not fetch the upper levels' right-edge
/// tiles again for every checkpoint: only tiles at or right of the one before each level's right edge are kept.
/// </summary>
public sealed class TileStore
{
    private readonly ConcurrentDictionary<(int Level, long Index, int Width), byte[]> _tiles = new();

    public int Count => _tiles.Count;

    public bool TryGet(int level, long index, int width, out byte[] hashes) => _tiles.TryGetValue((level, index, width), out hashes!);

    public void Add(int level, long index, int width, byte[] hashes) => _tiles[(level, index, width)] = hashes;

    /// <summary>Drops what a tree of <paramref name="size"/> will not read again (left of the right edge's neighbour, or narrower than now).</summary>
    public void Prune(long size)
    {
        foreach (var key in _tiles.Keys)
        {
            var edge = (size >> (8 * key.Level)) / TiledTree.Width;
            var width = (int)Math.Min(TiledTree.Width, (size >> (8 * key.Level)) - (key.Index * TiledTree.Width));
            if (key.Index < edge - 1 || key.Width != width)
            {
                _tiles.TryRemove(key, out _);
            }
        }
    }
}
