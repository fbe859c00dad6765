using CertStream.Ingestor.Verification;

namespace CertStream.Tests.Ingestor.Verification;

/// <summary>PATH and PROOF exactly as RFC 6962 §2.1.1 and §2.1.2 define them (recursive, slow, for small trees).</summary>
internal static class ReferenceProofs
{
    public static List<byte[]> Inclusion(byte[][] leaves, int m)
    {
        if (leaves.Length == 1)
        {
            return [];
        }

        var k = Split(leaves.Length);
        return m < k
            ? [.. Inclusion(leaves[..k], m), Mth(leaves[k..])]
            : [.. Inclusion(leaves[k..], m - k), Mth(leaves[..k])];
    }

    public static List<byte[]> Consistency(byte[][] leaves, int m) => m == leaves.Length ? [] : SubProof(m, leaves, true);

    private static List<byte[]> SubProof(int m, byte[][] leaves, bool complete)
    {
        var n = leaves.Length;
        if (m == n)
        {
            return complete ? [] : [Mth(leaves)];
        }

        var k = Split(n);
        return m <= k
            ? [.. SubProof(m, leaves[..k], complete), Mth(leaves[k..])]
            : [.. SubProof(m - k, leaves[k..], false), Mth(leaves[..k])];
    }

    private static byte[] Mth(byte[][] leaves) => MerkleTree.Root(leaves.SelectMany(h => h).ToArray());

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
