namespace CertStream.Ingestor.Ct;

public enum CtLogKind
{
    /// <summary>RFC 6962 API: get-sth and get-entries under <see cref="CtLogInfo.Url"/>.</summary>
    Rfc6962 = 0,

    /// <summary>static-ct-api (tiles): checkpoint, tile/data and issuer under <see cref="CtLogInfo.Url"/>.</summary>
    Tiled = 1,
}

/// <summary>
/// A log to follow. <see cref="Url"/> is the URL as the log list gives it (RFC 6962 <c>url</c>,
/// static-ct <c>monitoring_url</c>) and always ends with <c>/</c>. <see cref="Key"/> is a stable
/// identifier derived from the URL, used in Redis keys, metrics and the state file.
/// </summary>
public sealed record CtLogInfo(string Key, string Name, string Url, CtLogKind Kind)
{
    /// <summary>For readonly logs: the final tree size; the log is not followed past it.</summary>
    public long? FinalTreeSize { get; init; }

    /// <summary>The log list's operator name; null for custom logs.</summary>
    public string? Operator { get; init; }

    /// <summary>The log list's state (<c>usable</c>, <c>qualified</c>, <c>readonly</c>, <c>pending</c>); null for custom logs.</summary>
    public string? State { get; init; }

    /// <summary>The log's public key (DER SubjectPublicKeyInfo, the list's <c>key</c>); null when the list or config gives none.</summary>
    public byte[]? PublicKey { get; init; }

    /// <summary>RFC 6962 LogID: SHA-256 of <see cref="PublicKey"/>; null without a key.</summary>
    public byte[]? LogId => PublicKey is null ? null : System.Security.Cryptography.SHA256.HashData(PublicKey);

    /// <summary>"rfc6962" or "tiled", as in <c>source.type</c>.</summary>
    public string TypeName => Kind == CtLogKind.Tiled ? "tiled" : "rfc6962";

    /// <summary>Builds a <see cref="CtLogInfo"/> whose key is the URL without scheme and trailing slash.</summary>
    public static CtLogInfo Create(string name, string url, CtLogKind kind)
    {
        var normalized = url.EndsWith('/') ? url : url + "/";
        return new CtLogInfo(KeyFromUrl(normalized), name, normalized, kind);
    }

    public static string KeyFromUrl(string url)
    {
        var span = url.AsSpan();
        var scheme = span.IndexOf("://");
        if (scheme >= 0)
        {
            span = span[(scheme + 3)..];
        }

        return span.TrimEnd('/').ToString();
    }
}
