using System.Collections.Concurrent;
using System.Numerics;
using System.Security.Cryptography;

namespace CertStream.CtLogSimulator.Entries;

/// <summary>
/// The Merkle tree of a tiled log (c2sp.org/tlog-tiles) over the leaf hashes <c>leafHash(i)</c>: its roots and
/// its hash tiles. Built straight from RFC 6962's recursive definition (not from the tile fold the ingestor uses,
/// so that one wrong algorithm cannot pass on both sides). Complete subtrees of 256 leaves or more never change:
/// they are kept (32 bytes per 128 leaves); the rest is recomputed per request from the entries.
/// A log created large (a billion entries, to test starting at the tip) cannot hash its history: complete subtrees of 256
/// leaves or more below <paramref name="opaqueBelow"/> are then stand-ins (deterministic, not computed from the entries), so
/// the roots and hash tiles are consistent with everything appended after creation, but old data tiles do not link up.
/// </summary>
internal sealed class TileHashes(Func<long, byte[]> leafHash, string name, long opaqueBelow = 0)
{
    /// <summary>Logs created with more entries than this have an opaque history (<c>opaqueBelow</c>).</summary>
    public const long FullyHashedLimit = 1 << 16;

    public const int Width = 256;

    private readonly ConcurrentDictionary<(int Height, long Index), byte[]> _complete = new();
    private readonly Lock _rootGate = new();
    private (long Size, byte[] Root)? _lastRoot;

    /// <summary>The RFC 6962 root of the first <paramref name="size"/> leaves (size ≥ 1); the last one is kept (checkpoints repeat it).</summary>
    public byte[] Root(long size)
    {
        lock (_rootGate)
        {
            if (_lastRoot is { } last && last.Size == size)
            {
                return last.Root;
            }
        }

        var root = Subtree(0, size);
        lock (_rootGate)
        {
            _lastRoot = (size, root);
        }

        return root;
    }

    /// <summary>
    /// Level tile <c>(level, index)</c> with <paramref name="width"/> hashes: hash i is the complete subtree of
    /// 256^level leaves starting at leaf <c>(index·256 + i)·256^level</c>.
    /// </summary>
    public byte[] Tile(int level, long index, int width)
    {
        var height = 8 * level;
        var tile = new byte[width * 32];
        for (var i = 0; i < width; i++)
        {
            Subtree((index * Width + i) << height, 1L << height).CopyTo(tile, i * 32);
        }

        return tile;
    }

    /// <summary>MTH of leaves [start, start + count).</summary>
    private byte[] Subtree(long start, long count)
    {
        if (count == 1)
        {
            return leafHash(start);
        }

        if (count >= Width && BitOperations.IsPow2(count))
        {
            var height = BitOperations.Log2((ulong)count);
            if (start + count <= opaqueBelow)
            {
                return SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"certstream-sim/{name}/opaque/{height}/{start >> height}"));
            }

            var key = (height, start >> height);
            if (_complete.TryGetValue(key, out var known))
            {
                return known;
            }

            var computed = Split(start, count);
            _complete.TryAdd(key, computed);
            return computed;
        }

        return Split(start, count);
    }

    private byte[] Split(long start, long count)
    {
        var k = 1L << BitOperations.Log2((ulong)(count - 1)); // the largest power of two below count
        var input = new byte[65];
        input[0] = 1;
        Subtree(start, k).CopyTo(input, 1);
        Subtree(start + k, count - k).CopyTo(input, 33);
        return SHA256.HashData(input);
    }

    /// <summary>RFC 6962 leaf hash of a TileLeaf: SHA-256(00 || MerkleTreeLeaf), MerkleTreeLeaf = 00 00 || its TimestampedEntry.</summary>
    public static byte[] LeafHashOfTileLeaf(ReadOnlySpan<byte> tileLeaf)
    {
        // TimestampedEntry: timestamp (8), entry_type (2), [issuer_key_hash (32)], opaque24 cert or TBS, opaque16 extensions.
        var reader = new TlsReader(tileLeaf);
        reader.UInt64();
        if (reader.UInt16() == (int)SimulatedEntryType.Precert)
        {
            reader.Bytes(32);
        }

        reader.Opaque24();
        reader.Opaque16();
        var input = new byte[3 + reader.Position];
        tileLeaf[..reader.Position].CopyTo(input.AsSpan(3));
        return SHA256.HashData(input);
    }
}
