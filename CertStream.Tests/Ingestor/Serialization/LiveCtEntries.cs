using System.Text.Json;
using CertStream.Tests.Ingestor.Certificates;

namespace CertStream.Tests.Ingestor.Serialization;

/// <summary>One entry of TestData/peers/live_ct.json: real get-entries data and the Rust server's expected output.</summary>
public sealed record LiveCtEntry(
    string Name, string LogName, string LogUrl, long Index, byte[] LeafInput, byte[] ExtraData,
    string ExpectedFull, string ExpectedLite, string ExpectedDomains)
{
    public override string ToString() => Name;
}

internal static class LiveCtEntries
{
    private static readonly Lazy<IReadOnlyList<LiveCtEntry>> Entries = new(Load);

    public static IReadOnlyList<LiveCtEntry> All => Entries.Value;

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var entry in All)
        {
            data.Add(entry.Name);
        }

        return data;
    }

    public static LiveCtEntry Get(string name) => All.Single(e => e.Name == name);

    private static IReadOnlyList<LiveCtEntry> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(CertificateTestData.PathOf("peers", "live_ct.json")));
        var list = new List<LiveCtEntry>();
        foreach (var e in document.RootElement.EnumerateArray())
        {
            list.Add(new LiveCtEntry(
                e.GetProperty("name").GetString()!,
                e.GetProperty("log_name").GetString()!,
                e.GetProperty("log_url").GetString()!,
                e.GetProperty("cert_index").GetInt64(),
                e.GetProperty("leaf_input").GetBytesFromBase64(),
                e.GetProperty("extra_data").GetBytesFromBase64(),
                e.GetProperty("expected_full").GetString()!,
                e.GetProperty("expected_lite").GetString()!,
                e.GetProperty("expected_domains_only").GetString()!));
        }

        return list;
    }
}
