using System.Text.Json;
using CertStream.Contracts;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Serialization;

namespace CertStream.Tests.Ingestor.Certificates;

/// <summary>Runs certificates through the real serializer (as an x509 or precert entry) and parses the messages back.</summary>
internal static class CertificateMessages
{
    private static readonly CtLogInfo Log = CtLogInfo.Create("Test Log", "https://ct.example.org/log/", CtLogKind.Rfc6962);

    public static Messages Serialize(byte[] leaf, params byte[][] chain) => Serialize(CtEntryType.X509, leaf, chain);

    public static Messages Serialize(CtEntryType type, byte[] leaf, params byte[][] chain)
    {
        var entry = new CtLogEntry(42, 1_700_000_000_123, type, leaf, chain.Select(c => (ReadOnlyMemory<byte>)c).ToArray());
        using var serialized = new CertificateMessageSerializer().Serialize(entry, Log, 1_700_000_001.5);
        return new Messages(
            JsonDocument.Parse(serialized.Get(StreamKind.Lite)),
            JsonDocument.Parse(serialized.Get(StreamKind.Full)),
            JsonDocument.Parse(serialized.Get(StreamKind.Domains)));
    }

    /// <summary>The full-stream leaf_cert of a single certificate.</summary>
    public static JsonElement Leaf(byte[] der)
    {
        using var messages = Serialize(der);
        return messages.FullLeaf.Clone();
    }
}

internal sealed record Messages(JsonDocument Lite, JsonDocument Full, JsonDocument Domains) : IDisposable
{
    public JsonElement FullLeaf => Full.RootElement.GetProperty("data").GetProperty("leaf_cert");

    public JsonElement LiteLeaf => Lite.RootElement.GetProperty("data").GetProperty("leaf_cert");

    public JsonElement Chain => Full.RootElement.GetProperty("data").GetProperty("chain");

    public List<string> DomainsData => Domains.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetString()!).ToList();

    public void Dispose()
    {
        Lite.Dispose();
        Full.Dispose();
        Domains.Dispose();
    }
}
