using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Verification;
using CertStream.Tests.Ingestor.Certificates;

namespace CertStream.Tests.Ingestor.Verification;

/// <summary>Real Argon2020 proofs (RFC 9162 algorithms) and a synthetic tree checked against the proofs' definitions.</summary>
public sealed class MerkleProofTests
{
    private static readonly byte[] OldRoot = Convert.FromBase64String("AuIZ5V6sDUj1vn3Y1K85oOaQ7y+FJJKtyRTl1edIKBQ=");
    private const long OldSize = 3654490;

    [Fact]
    public void Argon2020InclusionProofVerifies()
    {
        var (leafHash, proof, sth) = Inclusion();

        Assert.Equal("nCs3mfIydh9x4CKyQ+u2xtmpxmFggA5MLymHwNQSlLg=", Convert.ToBase64String(leafHash));
        Assert.Equal(30, proof.Count);
        Assert.True(MerkleTree.VerifyInclusion(10000, sth.TreeSize, leafHash, proof, sth.RootHash));
    }

    [Fact]
    public void FlippedBitInTheInclusionProofFails()
    {
        var (leafHash, proof, sth) = Inclusion();

        for (var node = 0; node < proof.Count; node++)
        {
            var flipped = proof.ToList();
            flipped[node] = VerificationTestData.FlipBit(proof[node], node * 7);
            Assert.False(MerkleTree.VerifyInclusion(10000, sth.TreeSize, leafHash, flipped, sth.RootHash), $"node {node}");
        }

        Assert.False(MerkleTree.VerifyInclusion(10000, sth.TreeSize, VerificationTestData.FlipBit(leafHash, 3), proof, sth.RootHash));
        Assert.False(MerkleTree.VerifyInclusion(10001, sth.TreeSize, leafHash, proof, sth.RootHash));
        Assert.False(MerkleTree.VerifyInclusion(10000, sth.TreeSize, leafHash, proof.Take(29).ToList(), sth.RootHash));
    }

    [Fact]
    public void Argon2020ConsistencyProofVerifies()
    {
        var (proof, sth) = Consistency();

        Assert.Equal(30, proof.Count);
        Assert.True(MerkleTree.VerifyConsistency(OldSize, sth.TreeSize, OldRoot, sth.RootHash, proof));
    }

    [Fact]
    public void FlippedBitInTheConsistencyProofFails()
    {
        var (proof, sth) = Consistency();

        for (var node = 0; node < proof.Count; node++)
        {
            var flipped = proof.ToList();
            flipped[node] = VerificationTestData.FlipBit(proof[node], node * 5);
            Assert.False(MerkleTree.VerifyConsistency(OldSize, sth.TreeSize, OldRoot, sth.RootHash, flipped), $"node {node}");
        }

        Assert.False(MerkleTree.VerifyConsistency(OldSize, sth.TreeSize, VerificationTestData.FlipBit(OldRoot, 100), sth.RootHash, proof));
        Assert.False(MerkleTree.VerifyConsistency(OldSize, sth.TreeSize, OldRoot, VerificationTestData.FlipBit(sth.RootHash, 9), proof));
        Assert.False(MerkleTree.VerifyConsistency(OldSize + 1, sth.TreeSize, OldRoot, sth.RootHash, proof));
    }

    [Fact]
    public void EverySmallTreeIsConsistentWithEveryPrefix()
    {
        // Roots and proofs of trees of 1..20 leaves, built straight from the definitions of RFC 6962 §2.1.
        var leaves = Enumerable.Range(0, 20).Select(i => Leaf(i)).ToArray();
        for (var m = 1; m <= 20; m++)
        {
            for (var n = m; n <= 20; n++)
            {
                var proof = ReferenceProofs.Consistency(leaves.AsSpan(0, n).ToArray(), m);
                Assert.True(MerkleTree.VerifyConsistency(m, n, RootOf(leaves, m), RootOf(leaves, n), proof), $"{m} -> {n}");
                if (m < n)
                {
                    Assert.False(MerkleTree.VerifyConsistency(m, n, RootOf(leaves, m), RootOf([.. leaves[..(n - 1)], Leaf(99)], n), proof), $"forked {m} -> {n}");
                }
            }

            for (var i = 0; i < m; i++)
            {
                Assert.True(MerkleTree.VerifyInclusion(i, m, leaves[i], ReferenceProofs.Inclusion(leaves.AsSpan(0, m).ToArray(), i), RootOf(leaves, m)), $"{i} in {m}");
            }
        }
    }

    private static byte[] Leaf(int i)
    {
        var hash = new byte[32];
        MerkleTree.LeafHash([(byte)i, 7], hash);
        return hash;
    }

    private static byte[] RootOf(byte[][] leaves, int n) => MerkleTree.Root(leaves.Take(n).SelectMany(h => h).ToArray());

    private static (byte[] LeafHash, List<byte[]> Proof, SignedTreeHead Sth) Inclusion()
    {
        var entry = CertificateTestData.ReadGetEntries("argon2020_get-entries_start-10000_end-10000.json")[0];
        var leafHash = new byte[32];
        MerkleTree.LeafHash(entry.LeafInput, leafHash);
        var proof = VerificationTestData.Hashes(VerificationTestData.Read("argon2020", "get-proof-by-hash_tree-size-961984011_index-10000.json"), "audit_path");
        return (leafHash, proof, Rfc6962Responses.ParseSth(VerificationTestData.Read("argon2020", "get-sth.json")));
    }

    private static (List<byte[]> Proof, SignedTreeHead Sth) Consistency() =>
        (VerificationTestData.Hashes(VerificationTestData.Read("argon2020", "get-sth-consistency_first-3654490_second-961984011.json"), "consistency"),
            Rfc6962Responses.ParseSth(VerificationTestData.Read("argon2020", "get-sth.json")));
}
