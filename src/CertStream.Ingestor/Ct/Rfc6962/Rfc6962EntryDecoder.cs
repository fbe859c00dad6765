namespace CertStream.Ingestor.Ct.Rfc6962;

/// <summary>Decodes a get-entries entry (MerkleTreeLeaf <c>leaf_input</c> + <c>extra_data</c>).</summary>
public static class Rfc6962EntryDecoder
{
    /// <summary>
    /// Decodes one entry. For precerts the leaf is the <c>pre_certificate</c> of extra_data.
    /// The returned memory slices <paramref name="extraData"/> / <paramref name="leafInput"/>.
    /// Throws <see cref="CtDecodeException"/> on any malformed input.
    /// </summary>
    public static CtLogEntry Decode(long index, byte[] leafInput, byte[] extraData) =>
        throw new NotImplementedException("placeholder: implemented on the certs branch");
}
