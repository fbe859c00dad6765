using System.Security.Cryptography;
using System.Text.Json;
using CertStream.Contracts;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Serialization;

namespace CertStream.Tests.Ingestor.Serialization;

/// <summary>
/// Decodes the 40 real entries of live_ct.json and compares our messages field by field with the
/// Rust server's (reloading01 1.5.3) expected output. Where docs/wire-format.md decides differently the
/// test asserts our rule and says so in a comment.
/// </summary>
public sealed class LiveCtGoldenTests
{
    private const double Seen = 1700000000.0; // the value the fixture pins

    private static readonly string[] NameKeys = ["C", "CN", "L", "O", "OU", "ST"];
    private static readonly string[] CertificateFields =
        ["serial_number", "not_before", "not_after", "fingerprint", "sha1", "sha256", "signature_algorithm", "is_ca"];

    public static TheoryData<string> Entries() => LiveCtEntries.Names();

    private static (CtLogEntry Entry, JsonDocument Lite, JsonDocument Full, JsonDocument Domains) Serialize(LiveCtEntry fixture)
    {
        var entry = Rfc6962EntryDecoder.Decode(fixture.Index, fixture.LeafInput, fixture.ExtraData);
        var log = CtLogInfo.Create(fixture.LogName, fixture.LogUrl, CtLogKind.Rfc6962);
        using var messages = new CertificateMessageSerializer().Serialize(entry, log, Seen);
        return (entry,
            JsonDocument.Parse(messages.Get(StreamKind.Lite)),
            JsonDocument.Parse(messages.Get(StreamKind.Full)),
            JsonDocument.Parse(messages.Get(StreamKind.Domains)));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void FullStreamMatchesTheGoldenOutput(string name)
    {
        var fixture = LiveCtEntries.Get(name);
        var (entry, lite, full, domains) = Serialize(fixture);
        using var expectedDocument = JsonDocument.Parse(fixture.ExpectedFull);
        using (lite)
        using (full)
        using (domains)
        {
            var expected = expectedDocument.RootElement;
            var actual = full.RootElement;
            Assert.Equal("certificate_update", actual.GetProperty("message_type").GetString());
            var data = actual.GetProperty("data");
            var expectedData = expected.GetProperty("data");

            Assert.Equal(expectedData.GetProperty("update_type").GetString(), data.GetProperty("update_type").GetString());
            Assert.Equal(expectedData.GetProperty("cert_index").GetInt64(), data.GetProperty("cert_index").GetInt64());
            Assert.Equal(expectedData.GetProperty("cert_link").GetString(), data.GetProperty("cert_link").GetString());
            Assert.Equal(Seen, data.GetProperty("seen").GetDouble());

            // The Rust server sends data.submission_timestamp and source {name, url}; docs/wire-format.md
            // (certstream-server-go) puts that timestamp in source.timestamp and adds source.type.
            // We send both spellings: an added field breaks no client, a missing one breaks Rust's.
            var source = data.GetProperty("source");
            var expectedSource = expectedData.GetProperty("source");
            Assert.Equal(expectedSource.GetProperty("name").GetString(), source.GetProperty("name").GetString());
            Assert.Equal(expectedSource.GetProperty("url").GetString(), source.GetProperty("url").GetString());
            Assert.Equal(expectedData.GetProperty("submission_timestamp").GetDouble(), source.GetProperty("timestamp").GetDouble());
            Assert.Equal(entry.TimestampMs / 1000.0, source.GetProperty("timestamp").GetDouble());
            Assert.Equal("rfc6962", source.GetProperty("type").GetString());
            Assert.Equal(expectedData.GetProperty("submission_timestamp").GetDouble(), data.GetProperty("submission_timestamp").GetDouble());

            var leaf = data.GetProperty("leaf_cert");
            var expectedLeaf = expectedData.GetProperty("leaf_cert");
            AssertCertificate(expectedLeaf, leaf);
            Assert.Equal(expectedLeaf.GetProperty("as_der").GetString(), leaf.GetProperty("as_der").GetString());
            Assert.Equal(Convert.ToBase64String(entry.LeafDer.Span), leaf.GetProperty("as_der").GetString());
            AssertAllDomains(expectedLeaf, leaf);

            var chain = data.GetProperty("chain");
            var expectedChain = expectedData.GetProperty("chain");
            Assert.Equal(expectedChain.GetArrayLength(), chain.GetArrayLength());
            Assert.Equal(entry.Chain.Count, chain.GetArrayLength());
            for (var i = 0; i < chain.GetArrayLength(); i++)
            {
                AssertCertificate(expectedChain[i], chain[i]);

                // Difference: the Rust server's chain certificates have no as_der; docs/wire-format.md gives
                // every full-stream certificate its DER. all_domains is leaf-only in both.
                Assert.False(expectedChain[i].TryGetProperty("as_der", out _));
                Assert.Equal(Convert.ToBase64String(entry.Chain[i].Span), chain[i].GetProperty("as_der").GetString());
                Assert.False(chain[i].TryGetProperty("all_domains", out _));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void LiteStreamIsTheFullStreamWithoutChainAndDer(string name)
    {
        var fixture = LiveCtEntries.Get(name);
        var (_, lite, full, domains) = Serialize(fixture);
        using var expectedDocument = JsonDocument.Parse(fixture.ExpectedLite);
        using (lite)
        using (full)
        using (domains)
        {
            var data = lite.RootElement.GetProperty("data");
            var fullData = full.RootElement.GetProperty("data");
            Assert.Equal("certificate_update", lite.RootElement.GetProperty("message_type").GetString());
            Assert.False(data.TryGetProperty("chain", out _));
            Assert.False(data.GetProperty("leaf_cert").TryGetProperty("as_der", out _));
            Assert.False(expectedDocument.RootElement.GetProperty("data").GetProperty("leaf_cert").TryGetProperty("as_der", out _));

            // Same keys in the same order as the full stream, minus chain and leaf as_der.
            var fullKeys = fullData.EnumerateObject().Select(p => p.Name).Where(k => k != "chain");
            Assert.Equal(fullKeys, data.EnumerateObject().Select(p => p.Name));
            foreach (var property in data.EnumerateObject().Where(p => p.Name != "leaf_cert"))
            {
                Assert.Equal(fullData.GetProperty(property.Name).GetRawText(), property.Value.GetRawText());
            }

            var liteLeaf = data.GetProperty("leaf_cert");
            var fullLeaf = fullData.GetProperty("leaf_cert");
            Assert.Equal(fullLeaf.EnumerateObject().Select(p => p.Name).Where(k => k != "as_der"), liteLeaf.EnumerateObject().Select(p => p.Name));
            foreach (var property in liteLeaf.EnumerateObject())
            {
                Assert.Equal(fullLeaf.GetProperty(property.Name).GetRawText(), property.Value.GetRawText());
            }

            AssertCertificate(expectedDocument.RootElement.GetProperty("data").GetProperty("leaf_cert"), liteLeaf);
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void DomainsStreamListsTheLeafDomains(string name)
    {
        var fixture = LiveCtEntries.Get(name);
        var (_, lite, full, domains) = Serialize(fixture);
        using var expectedDocument = JsonDocument.Parse(fixture.ExpectedDomains);
        using (lite)
        using (full)
        using (domains)
        {
            var root = domains.RootElement;
            Assert.Equal(["message_type", "data"], root.EnumerateObject().Select(p => p.Name));
            Assert.Equal("dns_entries", root.GetProperty("message_type").GetString());
            var ours = root.GetProperty("data").EnumerateArray().Select(e => e.GetString()!).ToList();
            Assert.Equal(Strings(full.RootElement.GetProperty("data").GetProperty("leaf_cert").GetProperty("all_domains")), ours);

            // Difference: the Rust server puts the CN first; docs/wire-format.md keeps SAN order and appends the CN.
            var expected = Strings(expectedDocument.RootElement.GetProperty("data"));
            Assert.Equal(expected.Order(StringComparer.Ordinal), ours.Order(StringComparer.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void PrecertEntriesShowThePreCertificate(string name)
    {
        var fixture = LiveCtEntries.Get(name);
        var (entry, lite, full, domains) = Serialize(fixture);
        using (lite)
        using (full)
        using (domains)
        {
            var leaf = full.RootElement.GetProperty("data").GetProperty("leaf_cert");
            var extensions = leaf.GetProperty("extensions");
            if (entry.Type != CtEntryType.Precert)
            {
                Assert.False(extensions.TryGetProperty("ctlPoisonByte", out _));
                return;
            }

            Assert.True(extensions.GetProperty("ctlPoisonByte").GetBoolean());

            // The leaf is the pre_certificate at the start of extra_data (3-byte length), not the TBS of leaf_input.
            var preCertLength = (fixture.ExtraData[0] << 16) | (fixture.ExtraData[1] << 8) | fixture.ExtraData[2];
            var preCertificate = fixture.ExtraData.AsSpan(3, preCertLength).ToArray();
            Assert.Equal(Colon(SHA256.HashData(preCertificate)), leaf.GetProperty("sha256").GetString());
            Assert.Equal(Colon(SHA1.HashData(preCertificate)), leaf.GetProperty("sha1").GetString());
            var tbsLength = (fixture.LeafInput[44] << 16) | (fixture.LeafInput[45] << 8) | fixture.LeafInput[46];
            var tbs = fixture.LeafInput.AsSpan(47, tbsLength).ToArray();
            Assert.NotEqual(Colon(SHA256.HashData(tbs)), leaf.GetProperty("sha256").GetString());
            Assert.Equal("PrecertLogEntry", full.RootElement.GetProperty("data").GetProperty("update_type").GetString());
        }
    }

    [Fact]
    public void TheFixtureHoldsBothEntryTypes()
    {
        var types = LiveCtEntries.All.Select(f => Rfc6962EntryDecoder.Decode(f.Index, f.LeafInput, f.ExtraData).Type).ToList();
        Assert.Equal(40, types.Count);
        Assert.Equal(14, types.Count(t => t == CtEntryType.Precert));
    }

    private static void AssertCertificate(JsonElement expected, JsonElement actual)
    {
        foreach (var field in CertificateFields)
        {
            Assert.Equal(expected.GetProperty(field).GetRawText(), actual.GetProperty(field).GetRawText());
        }

        AssertName(expected.GetProperty("subject"), actual.GetProperty("subject"));
        AssertName(expected.GetProperty("issuer"), actual.GetProperty("issuer"));

        // Same extensions, same strings (the Rust server's formats are docs/wire-format.md's).
        var expectedExtensions = expected.GetProperty("extensions");
        var actualExtensions = actual.GetProperty("extensions");
        Assert.Equal(
            expectedExtensions.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal),
            actualExtensions.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var property in expectedExtensions.EnumerateObject())
        {
            Assert.Equal(property.Value.GetRawText(), actualExtensions.GetProperty(property.Name).GetRawText());
        }
    }

    private static void AssertName(JsonElement expected, JsonElement actual)
    {
        // Difference: the Rust server omits absent keys; docs/wire-format.md always sends every key,
        // null when absent, except CN which is "" when absent.
        Assert.Equal(["C", "CN", "L", "O", "OU", "ST", "email_address", "aggregated"], actual.EnumerateObject().Select(p => p.Name));
        foreach (var key in NameKeys)
        {
            if (expected.TryGetProperty(key, out var value))
            {
                Assert.Equal(value.GetString(), actual.GetProperty(key).GetString());
            }
            else if (key == "CN")
            {
                Assert.Equal("", actual.GetProperty(key).GetString());
            }
            else
            {
                Assert.Equal(JsonValueKind.Null, actual.GetProperty(key).ValueKind);
            }
        }

        Assert.False(expected.TryGetProperty("email_address", out _));
        Assert.Equal(JsonValueKind.Null, actual.GetProperty("email_address").ValueKind);
        Assert.Equal(expected.GetProperty("aggregated").GetString(), actual.GetProperty("aggregated").GetString());
    }

    private static void AssertAllDomains(JsonElement expectedLeaf, JsonElement leaf)
    {
        var ours = Strings(leaf.GetProperty("all_domains"));

        // Our rule: SAN dNSNames in certificate order, then the CN if new (the Rust server puts the CN first).
        var rule = new List<string>();
        foreach (var part in leaf.GetProperty("extensions").GetProperty("subjectAltName").GetString()!.Split(", "))
        {
            if (part.StartsWith("DNS:", StringComparison.Ordinal) && !rule.Contains(part[4..]))
            {
                rule.Add(part[4..]);
            }
        }

        var cn = leaf.GetProperty("subject").GetProperty("CN").GetString()!;
        if (cn.Length > 0 && !leaf.GetProperty("is_ca").GetBoolean() && !rule.Contains(cn))
        {
            rule.Add(cn);
        }

        Assert.Equal(rule, ours);
        Assert.Equal(Strings(expectedLeaf.GetProperty("all_domains")).Order(StringComparer.Ordinal), ours.Order(StringComparer.Ordinal));
    }

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();

    private static string Colon(byte[] hash) => string.Join(':', hash.Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}
