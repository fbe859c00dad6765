namespace CertStream.Tests.Ingestor.Verification;

/// <summary>RFC 6962 §3.4 / §3.1 bytes of a precert_entry: MerkleTreeLeaf and PrecertChainEntry (empty chain).</summary>
internal static class PrecertEntryBytes
{
    public static byte[] LeafInput(byte[] tbs, long timestampMs = 1532471986235)
    {
        var bytes = new List<byte> { 0, 0 };
        for (var shift = 56; shift >= 0; shift -= 8)
        {
            bytes.Add((byte)(timestampMs >> shift));
        }

        bytes.AddRange([0, 1]);
        bytes.AddRange(new byte[32]); // issuer_key_hash: not checked by the decoder
        AddOpaque24(bytes, tbs);
        bytes.AddRange([0, 0]);
        return [.. bytes];
    }

    public static byte[] ExtraData(byte[] precert, params byte[][] chain)
    {
        var bytes = new List<byte>();
        AddOpaque24(bytes, precert);
        var list = new List<byte>();
        foreach (var certificate in chain)
        {
            AddOpaque24(list, certificate);
        }

        AddOpaque24(bytes, [.. list]);
        return [.. bytes];
    }

    private static void AddOpaque24(List<byte> bytes, byte[] value)
    {
        bytes.AddRange([(byte)(value.Length >> 16), (byte)(value.Length >> 8), (byte)value.Length]);
        bytes.AddRange(value);
    }
}
