using System.Text;
using System.Text.Json;
using CertStream.Feed.Contracts;

namespace CertStream.Ingestor.Feed;

/// <summary>
/// Builds the feed message of one entry from its full certstream JSON (docs/wire-format.md): the
/// filterable leaf fields are read back out of it, so the feed shows exactly what the live
/// full stream sent. Runs on the feed's publisher, never on the live path.
/// </summary>
public static class CertificateLoggedFactory
{
    public static CertificateLogged Create(string logUrl, string logName, long index, byte[] json)
    {
        using var doc = JsonDocument.Parse(json);
        var data = doc.RootElement.GetProperty("data");
        var leaf = data.GetProperty("leaf_cert");
        var domains = new List<string>();
        if (leaf.TryGetProperty("all_domains", out var all) && all.ValueKind == JsonValueKind.Array)
        {
            foreach (var domain in all.EnumerateArray())
            {
                if (domain.GetString() is { } d)
                {
                    domains.Add(d);
                }
            }
        }

        return new CertificateLogged
        {
            LogUrl = logUrl,
            LogName = logName,
            Index = index,
            UpdateType = String(data, "update_type"),
            AllDomains = domains,
            Sha1 = String(leaf, "sha1"),
            Sha256 = String(leaf, "sha256"),
            Issuer = leaf.TryGetProperty("issuer", out var issuer) && issuer.ValueKind == JsonValueKind.Object ? String(issuer, "aggregated") : "",
            NotBefore = Seconds(leaf, "not_before"),
            NotAfter = Seconds(leaf, "not_after"),
            LoggedAt = data.TryGetProperty("source", out var source) && source.TryGetProperty("timestamp", out var ts) && ts.TryGetDouble(out var seconds)
                ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
                : default,
            Payload = Encoding.UTF8.GetString(json),
        };
    }

    private static string String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";

    private static DateTimeOffset Seconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetInt64(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, MinSeconds, MaxSeconds))
            : default;

    private static readonly long MinSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly long MaxSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();
}
