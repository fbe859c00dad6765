namespace CertStream.Ingestor.Ct.Rfc6962;

/// <summary>The parts of a get-sth answer that polling needs.</summary>
public readonly record struct SignedTreeHead(long TreeSize, long TimestampMs);

/// <summary>One get-entries entry, still encoded.</summary>
public readonly record struct RawEntry(byte[] LeafInput, byte[] ExtraData);

/// <summary>One get-entries entry as slices of the (pooled) response body it was decoded in.</summary>
public readonly record struct RawEntrySlice(ReadOnlyMemory<byte> LeafInput, ReadOnlyMemory<byte> ExtraData);
