namespace CertStream.Ingestor.Ct.Rfc6962;

/// <summary>The parts of a get-sth answer that polling needs, and the root and signature that verification checks.</summary>
public readonly record struct SignedTreeHead(long TreeSize, long TimestampMs)
{
    /// <summary><c>sha256_root_hash</c> (32 bytes), empty when absent.</summary>
    public byte[] RootHash { get; init; } = [];

    /// <summary><c>tree_head_signature</c>: a TLS DigitallySigned, empty when absent.</summary>
    public byte[] Signature { get; init; } = [];
}

/// <summary>One get-entries entry, still encoded.</summary>
public readonly record struct RawEntry(byte[] LeafInput, byte[] ExtraData);

/// <summary>One get-entries entry as slices of the (pooled) response body it was decoded in.</summary>
public readonly record struct RawEntrySlice(ReadOnlyMemory<byte> LeafInput, ReadOnlyMemory<byte> ExtraData);
