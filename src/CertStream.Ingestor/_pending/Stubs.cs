// TEMPORARY, not committed: signatures of the ctlog branch, until it is merged.
using CertStream.Ingestor.Ct;
namespace CertStream.Ingestor.Ct.StaticCt
{
    public readonly record struct Checkpoint(string Origin, long TreeSize, ReadOnlyMemory<byte> RootHash);
    public static class CheckpointParser { public static Checkpoint Parse(ReadOnlySpan<byte> body) => throw new NotImplementedException(); }
    public readonly record struct TileLeaf(long Index, long TimestampMs, CtEntryType Type, ReadOnlyMemory<byte> LeafDer, ReadOnlyMemory<byte> ChainFingerprints);
    public static class TileLeafDecoder { public static TileLeaf[] Decode(ReadOnlyMemory<byte> tile, long tileIndex, int expectedCount) => throw new NotImplementedException(); }
    public sealed class IssuerCache { public Task<ReadOnlyMemory<byte>> GetAsync(ReadOnlyMemory<byte> fingerprint, Func<string, CancellationToken, Task<byte[]>> fetchByHex, CancellationToken ct) => throw new NotImplementedException(); }
}
namespace CertStream.Ingestor.LogList
{
    public sealed record LogListResult(IReadOnlyList<CtLogInfo> Logs, IReadOnlyList<string> Skipped);
    public static class LogListParser { public static LogListResult Parse(ReadOnlySpan<byte> json, DateTimeOffset now) => throw new NotImplementedException(); }
}
