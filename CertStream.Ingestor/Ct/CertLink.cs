namespace CertStream.Ingestor.Ct;

/// <summary>The <c>cert_link</c> of docs/wire-format.md: where a client can fetch the entry again.</summary>
public static class CertLink
{
    public static string For(CtLogInfo log, long index) => log.Kind == CtLogKind.Tiled
        ? TilePath.DataTileUrl(log.Url, index)
        : string.Concat(log.Url, "ct/v1/get-entries?start=", index.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "&end=", index.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
