using System.Globalization;
using System.Net;
using System.Text.Json;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Http;

namespace CertStream.Ingestor.Verification;

/// <summary>get-sth-consistency and get-proof-by-hash (RFC 6962 §4.4, §4.5). A log that answers 404 does not serve them: null.</summary>
public sealed class ProofClient(CtHttpClient http)
{
    public async Task<List<byte[]>?> GetConsistencyAsync(CtLogInfo log, long first, long second, CancellationToken ct)
    {
        var url = string.Concat(log.Url, "ct/v1/get-sth-consistency?first=", first.ToString(CultureInfo.InvariantCulture),
            "&second=", second.ToString(CultureInfo.InvariantCulture));
        var body = await GetOrNullAsync(log, url, "get-sth-consistency", ct);
        return body is null ? null : Hashes(body, "consistency"u8, "get-sth-consistency");
    }

    /// <summary>The leaf index and audit path of <paramref name="leafHash"/> in the tree of <paramref name="treeSize"/>.</summary>
    public async Task<(long LeafIndex, List<byte[]> AuditPath)?> GetProofByHashAsync(CtLogInfo log, ReadOnlyMemory<byte> leafHash, long treeSize, CancellationToken ct)
    {
        var url = string.Concat(log.Url, "ct/v1/get-proof-by-hash?hash=", Uri.EscapeDataString(Convert.ToBase64String(leafHash.Span)),
            "&tree_size=", treeSize.ToString(CultureInfo.InvariantCulture));
        var body = await GetOrNullAsync(log, url, "get-proof-by-hash", ct);
        if (body is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var index = document.RootElement.GetProperty("leaf_index").GetInt64();
            return (index, Hashes(body, "audit_path"u8, "get-proof-by-hash"));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CtDecodeException($"get-proof-by-hash: malformed JSON ({ex.Message})", ex);
        }
    }

    private async Task<byte[]?> GetOrNullAsync(CtLogInfo log, string url, string endpoint, CancellationToken ct)
    {
        try
        {
            return await http.GetBytesAsync(log, url, endpoint, ct);
        }
        catch (CtHttpException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static List<byte[]> Hashes(byte[] body, ReadOnlySpan<byte> property, string endpoint)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var hashes = new List<byte[]>();
            foreach (var element in document.RootElement.GetProperty(System.Text.Encoding.UTF8.GetString(property)).EnumerateArray())
            {
                hashes.Add(element.GetBytesFromBase64());
            }

            return hashes;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CtDecodeException($"{endpoint}: malformed JSON ({ex.Message})", ex);
        }
    }
}
