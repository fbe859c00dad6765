using System.Text;

namespace CertStream.Ingestor.Ct.StaticCt;

/// <summary>
/// A static-ct-api checkpoint (c2sp.org/tlog-checkpoint): the log's origin line, tree size and RFC 6962
/// root hash (32 bytes). Equality compares the root hash bytes.
/// </summary>
public readonly record struct Checkpoint(string Origin, long TreeSize, ReadOnlyMemory<byte> RootHash)
{
    public bool Equals(Checkpoint other) =>
        string.Equals(Origin, other.Origin, StringComparison.Ordinal)
        && TreeSize == other.TreeSize
        && RootHash.Span.SequenceEqual(other.RootHash.Span);

    public override int GetHashCode() => HashCode.Combine(Origin, TreeSize, RootHash.Length > 0 ? RootHash.Span[0] : 0);

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Origin = ").Append(Origin)
            .Append(", TreeSize = ").Append(TreeSize)
            .Append(", RootHash = ").Append(Convert.ToBase64String(RootHash.Span));
        return true;
    }
}
