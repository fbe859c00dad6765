using System.Security.Cryptography;

namespace CertStream.Ingestor.Verification;

/// <summary>
/// RFC 6962 §2.1 Merkle tree hashing and the proof checks of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
/// (consistency), docs/ct-protocols.md §1.7. Hashes are 32-byte SHA-256 values.
/// </summary>
public static class MerkleTree
{
    public const int HashLength = 32;

    /// <summary>SHA-256(0x00 || leaf): the hash of one MerkleTreeLeaf (<c>leaf_input</c>).</summary>
    public static void LeafHash(ReadOnlySpan<byte> leaf, Span<byte> destination)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([0]);
        hash.AppendData(leaf);
        hash.GetHashAndReset(destination);
    }

    /// <summary>SHA-256(0x01 || left || right).</summary>
    public static void NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[1 + (2 * HashLength)];
        input[0] = 1;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + HashLength)..]);
        SHA256.HashData(input, destination);
    }

    /// <summary>MTH of the leaves whose hashes are concatenated in <paramref name="leafHashes"/> (n × 32 bytes, n ≥ 1).</summary>
    public static byte[] Root(ReadOnlySpan<byte> leafHashes)
    {
        if (leafHashes.Length == 0 || leafHashes.Length % HashLength != 0)
        {
            throw new ArgumentException("needs one or more 32-byte hashes", nameof(leafHashes));
        }

        var root = new byte[HashLength];
        RootInto(leafHashes, leafHashes.Length / HashLength, root);
        return root;
    }

    private static void RootInto(ReadOnlySpan<byte> hashes, int count, Span<byte> destination)
    {
        if (count == 1)
        {
            hashes[..HashLength].CopyTo(destination);
            return;
        }

        // Split at the largest power of two strictly less than count (RFC 6962 §2.1).
        var k = 1;
        while (k << 1 < count)
        {
            k <<= 1;
        }

        Span<byte> left = stackalloc byte[HashLength];
        Span<byte> right = stackalloc byte[HashLength];
        RootInto(hashes[..(k * HashLength)], k, left);
        RootInto(hashes[(k * HashLength)..], count - k, right);
        NodeHash(left, right, destination);
    }

    /// <summary>RFC 9162 §2.1.3.2: the audit path takes leaf <paramref name="index"/> of a tree of <paramref name="size"/> to <paramref name="root"/>.</summary>
    public static bool VerifyInclusion(long index, long size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (index < 0 || index >= size || leafHash.Length != HashLength || root.Length != HashLength)
        {
            return false;
        }

        var fn = index;
        var sn = size - 1;
        Span<byte> r = stackalloc byte[HashLength];
        leafHash.CopyTo(r);
        foreach (var p in proof)
        {
            if (sn == 0 || p.Length != HashLength)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                NodeHash(p, r, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                NodeHash(r, p, r);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && r.SequenceEqual(root);
    }

    /// <summary>RFC 9162 §2.1.4.2: the tree of <paramref name="size2"/> with <paramref name="root2"/> extends the one of <paramref name="size1"/> with <paramref name="root1"/>.</summary>
    public static bool VerifyConsistency(long size1, long size2, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2, IReadOnlyList<byte[]> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (size1 < 0 || size2 < size1 || root1.Length != HashLength || root2.Length != HashLength)
        {
            return false;
        }

        if (size1 == size2)
        {
            return proof.Count == 0 && root1.SequenceEqual(root2);
        }

        if (size1 == 0)
        {
            return proof.Count == 0; // the empty tree is a prefix of every tree
        }

        if (proof.Count == 0)
        {
            return false;
        }

        // When size1 is an exact power of two, the old root itself starts the path.
        var exactPowerOfTwo = (size1 & (size1 - 1)) == 0;
        var first = exactPowerOfTwo ? root1 : proof[0];
        var rest = exactPowerOfTwo ? 0 : 1;
        if (first.Length != HashLength)
        {
            return false;
        }

        var fn = size1 - 1;
        var sn = size2 - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        Span<byte> fr = stackalloc byte[HashLength];
        Span<byte> sr = stackalloc byte[HashLength];
        first.CopyTo(fr);
        first.CopyTo(sr);
        for (var i = rest; i < proof.Count; i++)
        {
            var c = proof[i];
            if (sn == 0 || c.Length != HashLength)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                NodeHash(c, fr, fr);
                NodeHash(c, sr, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                NodeHash(sr, c, sr);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && fr.SequenceEqual(root1) && sr.SequenceEqual(root2);
    }
}
