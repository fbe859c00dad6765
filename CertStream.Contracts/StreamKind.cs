namespace CertStream.Contracts;

/// <summary>The three certstream streams. Each certificate is serialized once per kind.</summary>
public enum StreamKind
{
    /// <summary><c>/</c>: leaf without <c>as_der</c>, no chain.</summary>
    Lite = 0,

    /// <summary><c>/full-stream</c>: leaf and chain with <c>as_der</c>.</summary>
    Full = 1,

    /// <summary><c>/domains-only</c>: <c>dns_entries</c> with the leaf's <c>all_domains</c>.</summary>
    Domains = 2,
}

public static class StreamKinds
{
    public static readonly StreamKind[] All = [StreamKind.Lite, StreamKind.Full, StreamKind.Domains];

    public const int Count = 3;

    public static string Name(StreamKind kind) => kind switch
    {
        StreamKind.Full => "full",
        StreamKind.Domains => "domains",
        _ => "lite",
    };
}
