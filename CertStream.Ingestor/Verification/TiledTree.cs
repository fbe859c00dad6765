namespace CertStream.Ingestor.Verification;

/// <summary>
/// The RFC 6962 root of a static-ct-api log from its hash tiles (c2sp.org/tlog-tiles, docs/ct-protocols.md §2.3):
/// a level-L tile holds the hashes of complete subtrees of 256^L leaves. The root of a tree of size n folds,
/// from the right, the subtrees of n's binary decomposition; a subtree of 2^(8L+r) leaves is the perfect tree
/// over 2^r consecutive level-L hashes, all inside the rightmost tile of that level (partial tiles included).
/// </summary>
public static class TiledTree
{
    public const int Width = 256;

    /// <summary>
    /// Reads tile <c>(level, index)</c> as the tree being hashed publishes it: a full tile of 256 hashes,
    /// or the partial one (<c>.p/W</c>) at the right edge of the tree. Its hashes are the concatenated 32-byte values.
    /// </summary>
    public delegate ReadOnlyMemory<byte> TileReader(int level, long index);

    /// <summary>The root hash of the first <paramref name="size"/> leaves (size ≥ 1), from the tiles <paramref name="read"/> returns.</summary>
    /// <exception cref="ArgumentException">A tile is shorter than the hashes the tree needs from it.</exception>
    public static byte[] Root(long size, TileReader read)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentNullException.ThrowIfNull(read);
        var subtrees = new List<byte[]>();
        long start = 0;
        for (var height = 62; height >= 0; height--)
        {
            var leaves = 1L << height;
            if ((size & leaves) == 0)
            {
                continue;
            }

            var level = height / 8;
            var count = 1 << (height % 8); // hashes of that level under this subtree
            var first = start >> (8 * level); // index of its first level hash
            var tile = read(level, first / Width).Span;
            var offset = (int)(first % Width) * MerkleTree.HashLength;
            var length = count * MerkleTree.HashLength;
            if (tile.Length < offset + length)
            {
                throw new ArgumentException($"tile {level}/{first / Width} has {tile.Length / MerkleTree.HashLength} hashes, the tree of size {size} needs {(offset + length) / MerkleTree.HashLength}");
            }

            subtrees.Add(MerkleTree.Root(tile.Slice(offset, length)));
            start += leaves;
        }

        var root = subtrees[^1];
        for (var i = subtrees.Count - 2; i >= 0; i--)
        {
            var node = new byte[MerkleTree.HashLength];
            MerkleTree.NodeHash(subtrees[i], root, node);
            root = node;
        }

        return root;
    }
}
