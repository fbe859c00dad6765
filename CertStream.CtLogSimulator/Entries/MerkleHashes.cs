using System.Security.Cryptography;

namespace CertStream.CtLogSimulator.Entries;

/// <summary>
/// RFC 6962 §2.1 trees over a list of leaf hashes, with the audit paths (§2.1.1) and consistency proofs (§2.1.2)
/// built straight from their recursive definitions: O(n) per call, for the small logs tests verify.
/// </summary>
internal static class MerkleHashes
{
    public static byte[] LeafHash(ReadOnlySpan<byte> leafInput)
    {
        var input = new byte[leafInput.Length + 1];
        leafInput.CopyTo(input.AsSpan(1));
        return SHA256.HashData(input);
    }

    public static byte[] Root(IReadOnlyList<byte[]> leaves, int start, int count)
    {
        if (count == 1)
        {
            return leaves[start];
        }

        var k = Split(count);
        return Node(Root(leaves, start, k), Root(leaves, start + k, count - k));
    }

    /// <summary>PATH(m, D[start:start+count]).</summary>
    public static List<byte[]> Path(IReadOnlyList<byte[]> leaves, int m, int start, int count)
    {
        if (count == 1)
        {
            return [];
        }

        var k = Split(count);
        return m < k
            ? [.. Path(leaves, m, start, k), Root(leaves, start + k, count - k)]
            : [.. Path(leaves, m - k, start + k, count - k), Root(leaves, start, k)];
    }

    /// <summary>PROOF(m, D[0:count]).</summary>
    public static List<byte[]> Consistency(IReadOnlyList<byte[]> leaves, int m, int count) =>
        m == count || m == 0 ? [] : SubProof(leaves, m, 0, count, complete: true);

    private static List<byte[]> SubProof(IReadOnlyList<byte[]> leaves, int m, int start, int count, bool complete)
    {
        if (m == count)
        {
            return complete ? [] : [Root(leaves, start, count)];
        }

        var k = Split(count);
        return m <= k
            ? [.. SubProof(leaves, m, start, k, complete), Root(leaves, start + k, count - k)]
            : [.. SubProof(leaves, m - k, start + k, count - k, complete: false), Root(leaves, start, k)];
    }

    private static byte[] Node(byte[] left, byte[] right)
    {
        var input = new byte[65];
        input[0] = 1;
        left.CopyTo(input, 1);
        right.CopyTo(input, 33);
        return SHA256.HashData(input);
    }

    private static int Split(int n)
    {
        var k = 1;
        while (k << 1 < n)
        {
            k <<= 1;
        }

        return k;
    }
}
