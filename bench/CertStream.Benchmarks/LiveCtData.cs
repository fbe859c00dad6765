using System.Text.Json;
using CertStream.Ingestor.Ct;

namespace CertStream.Benchmarks;

/// <summary>The live_ct.json entries, embedded in the assembly (the benchmark reads no files).</summary>
internal static class LiveCtData
{
    public sealed record RawEntry(long Index, byte[] LeafInput, byte[] ExtraData, CtLogInfo Log);

    public static RawEntry[] Load()
    {
        using var stream = typeof(LiveCtData).Assembly.GetManifestResourceStream("live_ct.json")
            ?? throw new InvalidOperationException("live_ct.json is not embedded");
        using var document = JsonDocument.Parse(stream);
        var logs = new Dictionary<string, CtLogInfo>();
        var entries = new List<RawEntry>();
        foreach (var e in document.RootElement.EnumerateArray())
        {
            var url = e.GetProperty("log_url").GetString()!;
            if (!logs.TryGetValue(url, out var log))
            {
                log = CtLogInfo.Create(e.GetProperty("log_name").GetString()!, url, CtLogKind.Rfc6962);
                logs.Add(url, log);
            }

            entries.Add(new RawEntry(
                e.GetProperty("cert_index").GetInt64(),
                e.GetProperty("leaf_input").GetBytesFromBase64(),
                e.GetProperty("extra_data").GetBytesFromBase64(),
                log));
        }

        return [.. entries];
    }

    /// <summary>A get-entries body holding <paramref name="entries"/>, as a log sends it.</summary>
    public static byte[] GetEntriesPage(IEnumerable<RawEntry> entries)
    {
        var json = new System.Text.StringBuilder("{\"entries\":[");
        foreach (var entry in entries)
        {
            json.Append("{\"leaf_input\":\"").Append(Convert.ToBase64String(entry.LeafInput))
                .Append("\",\"extra_data\":\"").Append(Convert.ToBase64String(entry.ExtraData)).Append("\"},");
        }

        json.Length--;
        return System.Text.Encoding.UTF8.GetBytes(json.Append("]}").ToString());
    }
}
