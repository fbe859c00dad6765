using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Http;
using CertStream.Ingestor.Options;
using CertStream.Ingestor.Status;
using CertStream.ServiceDefaults.Configuration;

namespace CertStream.Ingestor.LogList;

/// <summary>The logs to follow: the v3 list at <c>ct_logs_url</c> (http(s) or file) plus <c>custom_logs</c>.</summary>
public sealed class LogListSource(IHttpClientFactory httpFactory, ReloadableOptions<LogListOptions> options, TimeProvider time,
    LogCatalog? catalog = null)
{
    public const string HttpClientName = "loglist";

    public async Task<(IReadOnlyList<CtLogInfo> Logs, int Custom, int Skipped)> LoadAsync(CancellationToken ct)
    {
        var o = options.Current;
        var bytes = await FetchAsync(o.LogsUrl, ct);
        var parsed = LogListParser.Parse(bytes, time.GetUtcNow());
        var byKey = new Dictionary<string, CtLogInfo>(StringComparer.Ordinal);
        foreach (var log in parsed.Logs)
        {
            byKey[log.Key] = log;
        }

        foreach (var custom in o.CustomLogs)
        {
            var log = CtLogInfo.Create(string.IsNullOrWhiteSpace(custom.Name) ? custom.Url : custom.Name, custom.Url,
                custom.IsTiled ? CtLogKind.Tiled : CtLogKind.Rfc6962) with
            {
                PublicKey = custom.Key is { Length: > 0 } key ? LogListOptionsValidator.DecodeOrEmpty(key) : null,
                State = "custom",
            };
            byKey[log.Key] = log;
        }

        var logs = new List<CtLogInfo>(byKey.Values);
        logs.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        if (catalog is not null)
        {
            catalog.Logs = logs;
        }

        return (logs, o.CustomLogs.Count, parsed.Skipped.Count);
    }

    private async Task<byte[]> FetchAsync(string url, CancellationToken ct)
    {
        var uri = new Uri(url);
        if (uri.IsFile)
        {
            return await File.ReadAllBytesAsync(uri.LocalPath, ct);
        }

        using var response = await httpFactory.CreateClient(HttpClientName).GetAsync(uri, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new CtHttpException($"log list answered {(int)response.StatusCode}", response.StatusCode, null);
        }

        return await response.Content.ReadAsByteArrayAsync(ct);
    }
}
