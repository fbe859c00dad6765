using System.Text.Json;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.LogList;

namespace CertStream.Tests.Ingestor.Verification;

/// <summary>TestData/Verification (PROVENANCE.md there): real STHs and proofs, and a small log list with the logs' keys.</summary>
internal static class VerificationTestData
{
    public static string PathOf(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);

    public static byte[] Read(params string[] parts) => File.ReadAllBytes(PathOf(["Verification", .. parts]));

    public static IReadOnlyList<CtLogInfo> Logs() =>
        LogListParser.Parse(Read("logs.json"), new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero)).Logs;

    public static CtLogInfo Log(string descriptionPart) => Logs().Single(l => l.Name.Contains(descriptionPart, StringComparison.Ordinal));

    /// <summary>The base64 strings of a JSON array property (an audit path or consistency proof).</summary>
    public static List<byte[]> Hashes(byte[] json, string property)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty(property).EnumerateArray().Select(e => e.GetBytesFromBase64()).ToList();
    }

    public static byte[] FlipBit(byte[] bytes, int bit)
    {
        var copy = (byte[])bytes.Clone();
        copy[bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }
}
