using System.Security.Cryptography;
using System.Text.Json;

namespace CertStream.Tests.Ingestor.Certificates;

/// <summary>Reads the certificate and CT fixtures copied under TestData/ (see the PROVENANCE.md files there).</summary>
internal static class CertificateTestData
{
    public static string PathOf(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);

    public static string CertsDirectory => PathOf("ct", "certs");

    /// <summary>Every certificate in a PEM file (text before the blocks is ignored), or the file itself for DER.</summary>
    public static List<byte[]> ReadCertificates(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (!path.EndsWith(".pem", StringComparison.Ordinal) && !path.EndsWith(".crt", StringComparison.Ordinal))
        {
            return [bytes];
        }

        var text = File.ReadAllText(path).AsSpan();
        var result = new List<byte[]>();
        while (PemEncoding.TryFind(text, out var fields))
        {
            if (text[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                result.Add(Convert.FromBase64String(text[fields.Base64Data].ToString()));
            }

            text = text[fields.Location.End.Value..];
        }

        return result;
    }

    public static byte[] ReadFirstCertificate(params string[] relative) => ReadCertificates(PathOf(["ct", "certs", .. relative]))[0];

    /// <summary>(leaf_input, extra_data) pairs of a get-entries response.</summary>
    public static List<(byte[] LeafInput, byte[] ExtraData)> ReadGetEntries(string fileName)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(PathOf("ct", "rfc6962", fileName)));
        var result = new List<(byte[], byte[])>();
        foreach (var entry in document.RootElement.GetProperty("entries").EnumerateArray())
        {
            result.Add((entry.GetProperty("leaf_input").GetBytesFromBase64(), entry.GetProperty("extra_data").GetBytesFromBase64()));
        }

        return result;
    }
}
