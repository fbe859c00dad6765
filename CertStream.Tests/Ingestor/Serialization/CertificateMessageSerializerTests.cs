using System.Text;
using System.Text.Json;
using CertStream.Contracts;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Serialization;

namespace CertStream.Tests.Ingestor.Serialization;

public sealed class CertificateMessageSerializerTests
{
    private static readonly CtLogInfo Rfc6962Log = CtLogInfo.Create("Google 'Argon2026h2'", "https://ct.googleapis.com/logs/us1/argon2026h2/", CtLogKind.Rfc6962);

    private static CtLogEntry Entry(string name)
    {
        var fixture = LiveCtEntries.Get(name);
        return Rfc6962EntryDecoder.Decode(fixture.Index, fixture.LeafInput, fixture.ExtraData);
    }

    [Fact]
    public void LiteMessageHasTheWireFormatShape()
    {
        var entry = Entry("google_argon2026h2_000");
        using var messages = new CertificateMessageSerializer().Serialize(entry, Rfc6962Log, 1779302894.512);

        var lite = Encoding.UTF8.GetString(messages.Get(StreamKind.Lite).Span);

        // One JSON object, no trailing newline, message_type first, keys in docs/wire-format.md order.
        Assert.Equal(
            """{"message_type":"certificate_update","data":{"update_type":"PrecertLogEntry","leaf_cert":{"subject":{"C":null,"CN":"portal.dragonjar.org","L":null,"O":null,"OU":null,"ST":null,"email_address":null,"aggregated":"/CN=portal.dragonjar.org"},"issuer":{"C":"US","CN":"WR1","L":null,"O":"Google Trust Services","OU":null,"ST":null,"email_address":null,"aggregated":"/C=US/CN=WR1/O=Google Trust Services"},"extensions":{"authorityInfoAccess":"URI:http://o.pki.goog/s/wr1/uZc, URI:http://i.pki.goog/wr1.crt","authorityKeyIdentifier":"keyid:66:69:49:d4:de:2a:9c:91:03:cf:89:0e:24:b8:0e:30:03:6e:88:2e","subjectKeyIdentifier":"keyid:51:b7:1c:01:23:a7:92:e9:ae:37:e7:78:ab:ab:f8:01:1e:5f:c4:f1","basicConstraints":"CA:FALSE","keyUsage":"Digital Signature, Key Encipherment","extendedKeyUsage":"serverAuth","subjectAltName":"DNS:portal.dragonjar.org","certificatePolicies":"Policy: 2.23.140.1.2.1\n","ctlPoisonByte":true},"not_before":1779299292,"not_after":1787078880,"serial_number":"B99764012EA87DB00E6A7788EBE7C44B","fingerprint":"30:AF:23:FE:9B:E0:77:2E:FF:5C:05:26:70:0B:79:FF:56:6B:BE:3A","sha1":"30:AF:23:FE:9B:E0:77:2E:FF:5C:05:26:70:0B:79:FF:56:6B:BE:3A","sha256":"DE:72:2A:58:26:7A:42:3C:AA:DF:F9:CB:59:A8:50:8B:C9:CC:61:6D:12:C0:A2:FF:93:27:B1:15:1B:5E:C3:86","signature_algorithm":"sha256, rsa","is_ca":false,"all_domains":["portal.dragonjar.org"]},"cert_index":1111014090,"cert_link":"https://ct.googleapis.com/logs/us1/argon2026h2/ct/v1/get-entries?start=1111014090&end=1111014090","seen":1779302894.512,"submission_timestamp":1779302893.443,"source":{"name":"Google 'Argon2026h2'","url":"https://ct.googleapis.com/logs/us1/argon2026h2/","timestamp":1779302893.443,"type":"rfc6962"}}}""",
            lite);
        Assert.Equal("""{"message_type":"dns_entries","data":["portal.dragonjar.org"]}""", Encoding.UTF8.GetString(messages.Get(StreamKind.Domains).Span));
    }

    [Fact]
    public void TheLeafDigestsAreTheMessagesSha256AndSha1()
    {
        var entry = Entry("google_argon2026h2_000");
        using var messages = new CertificateMessageSerializer().Serialize(entry, Rfc6962Log, 1779302894.512);

        Assert.Equal("DE722A58267A423CAADFF9CB59A8508BC9CC616D12C0A2FF9327B1151B5EC386", Convert.ToHexString(messages.LeafSha256));
        Assert.Equal("30AF23FE9BE0772EFF5C0526700B79FF566BBE3A", Convert.ToHexString(messages.LeafSha1));
        Assert.True(messages.LeafSha256.SequenceEqual(System.Security.Cryptography.SHA256.HashData(entry.LeafDer.Span)));
    }

    [Theory]
    [InlineData(1779302894.512, "1779302894.512")]
    [InlineData(1700000000.0, "1700000000.0")]
    [InlineData(1779302894.5123, "1779302894.5123")]
    [InlineData(0.25, "0.25")]
    public void SeenIsAPlainFloat(double seen, string text)
    {
        using var messages = new CertificateMessageSerializer().Serialize(Entry("google_argon2026h2_001"), Rfc6962Log, seen);

        Assert.Contains($"\"seen\":{text},", Encoding.UTF8.GetString(messages.Get(StreamKind.Full).Span), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1779302893636L, "1779302893.636")]
    [InlineData(1779302893600L, "1779302893.6")]
    [InlineData(1779302893060L, "1779302893.06")]
    [InlineData(1779302893000L, "1779302893.0")]
    [InlineData(7L, "0.007")]
    public void SourceTimestampIsTheEntryTimestampInSeconds(long milliseconds, string text)
    {
        var entry = Entry("google_argon2026h2_001") with { TimestampMs = milliseconds };
        using var messages = new CertificateMessageSerializer().Serialize(entry, Rfc6962Log, 1.5);

        foreach (var kind in new[] { StreamKind.Lite, StreamKind.Full })
        {
            using var document = JsonDocument.Parse(messages.Get(kind));
            Assert.Equal(milliseconds / 1000m, document.RootElement.GetProperty("data").GetProperty("source").GetProperty("timestamp").GetDecimal());
            Assert.Contains($"\"timestamp\":{text},", Encoding.UTF8.GetString(messages.Get(kind).Span), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TiledLogsLinkToTheDataTile()
    {
        var log = CtLogInfo.Create("Sunlight", "https://navigli2025h2.skylight.geomys.org", CtLogKind.Tiled);
        var entry = Entry("google_argon2026h2_001") with { Index = 1234067 * 256L + 5 };
        using var messages = new CertificateMessageSerializer().Serialize(entry, log, 1.5);
        using var full = JsonDocument.Parse(messages.Get(StreamKind.Full));

        var data = full.RootElement.GetProperty("data");
        Assert.Equal("https://navigli2025h2.skylight.geomys.org/tile/data/x001/x234/067", data.GetProperty("cert_link").GetString());
        Assert.Equal("tiled", data.GetProperty("source").GetProperty("type").GetString());
        Assert.Equal("https://navigli2025h2.skylight.geomys.org/", data.GetProperty("source").GetProperty("url").GetString());
    }

    [Fact]
    public void AChainCertificateThatDoesNotParseKeepsItsDerAndHashes()
    {
        var good = Entry("google_argon2026h2_001");
        var garbage = "not a certificate"u8.ToArray();
        var entry = good with { Chain = [good.Chain[0], garbage] };

        using var messages = new CertificateMessageSerializer().Serialize(entry, Rfc6962Log, 1.5);
        using var full = JsonDocument.Parse(messages.Get(StreamKind.Full));

        var chain = full.RootElement.GetProperty("data").GetProperty("chain");
        Assert.Equal(2, chain.GetArrayLength());
        Assert.Equal("Sectigo Limited", chain[0].GetProperty("issuer").GetProperty("O").GetString());
        var broken = chain[1];
        Assert.Equal(Convert.ToBase64String(garbage), broken.GetProperty("as_der").GetString());
        Assert.Equal(
            string.Join(':', System.Security.Cryptography.SHA256.HashData(garbage).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))),
            broken.GetProperty("sha256").GetString());
        Assert.Equal("", broken.GetProperty("subject").GetProperty("CN").GetString());
        Assert.Equal(JsonValueKind.Null, broken.GetProperty("serial_number").ValueKind);
        Assert.Equal("unknown", broken.GetProperty("signature_algorithm").GetString());
    }

    [Fact]
    public void ALeafThatIsNotACertificateThrowsCtDecodeException()
    {
        var entry = Entry("google_argon2026h2_001") with { LeafDer = "\x30\x03\x02\x01\x01"u8.ToArray() };

        Assert.Throws<CtDecodeException>(() => new CertificateMessageSerializer().Serialize(entry, Rfc6962Log, 1.5));
    }

    [Fact]
    public void MessagesCannotBeReadAfterDispose()
    {
        var messages = new CertificateMessageSerializer().Serialize(Entry("google_argon2026h2_001"), Rfc6962Log, 1.5);
        Assert.NotEqual(0, messages.Get(StreamKind.Lite).Length);

        messages.Dispose();
        messages.Dispose(); // idempotent

        Assert.Throws<ObjectDisposedException>(() => messages.Get(StreamKind.Full));
    }

    [Fact]
    public void OutputDoesNotDependOnWhatWasSerializedBefore()
    {
        // Per-thread scratch is reused: the bytes for an entry must be the same whatever came before,
        // and the same on other threads running at the same time.
        var serializer = new CertificateMessageSerializer();
        var entries = LiveCtEntries.All.Select(f => Rfc6962EntryDecoder.Decode(f.Index, f.LeafInput, f.ExtraData)).ToArray();
        var reference = entries.Select(e => Snapshot(serializer, e)).ToArray();

        var results = new string[8][];
        Parallel.For(0, results.Length, worker =>
        {
            var mine = new string[entries.Length];
            for (var i = entries.Length - 1; i >= 0; i--)
            {
                mine[(i + worker) % entries.Length] = Snapshot(serializer, entries[(i + worker) % entries.Length]);
            }

            results[worker] = mine;
        });

        Assert.All(results, r => Assert.Equal(reference, r));
    }

    [Fact]
    public void TheMessagesOfOneEntryStayValidWhileLaterEntriesAreSerialized()
    {
        var serializer = new CertificateMessageSerializer();
        var first = serializer.Serialize(Entry("google_argon2026h2_000"), Rfc6962Log, 1.5);
        var before = first.Get(StreamKind.Full).ToArray();
        var later = LiveCtEntries.All.Select(f => serializer.Serialize(Rfc6962EntryDecoder.Decode(f.Index, f.LeafInput, f.ExtraData), Rfc6962Log, 2.5)).ToList();

        Assert.Equal(before, first.Get(StreamKind.Full).ToArray());
        first.Dispose();
        later.ForEach(m => m.Dispose());
    }

    [Fact]
    public void CachedChainCertificatesAreTheirOwnDer()
    {
        // The chain cache keys on length + signature tail and confirms with the whole DER: a certificate
        // that differs in the middle (same key) or at the end (new key, past the cache capacity) must
        // never be shown with another certificate's fields or hashes.
        var serializer = new CertificateMessageSerializer();
        var entry = Entry("google_argon2026h2_001");
        var original = entry.Chain[0].ToArray();
        var variants = new List<byte[]> { original };
        var middle = original.ToArray();
        middle[original.Length / 2] ^= 0x01;
        variants.Add(middle);
        for (var i = 0; i < 300; i++)
        {
            var tail = original.ToArray();
            tail[^1] = (byte)i;
            tail[^2] = (byte)(i >> 8);
            variants.Add(tail);
        }

        foreach (var der in variants.Concat(variants.Take(5)))
        {
            using var messages = serializer.Serialize(entry with { Chain = [der] }, Rfc6962Log, 1.5);
            using var full = JsonDocument.Parse(messages.Get(StreamKind.Full));
            var chain = full.RootElement.GetProperty("data").GetProperty("chain");
            Assert.Equal(Convert.ToBase64String(der), chain[0].GetProperty("as_der").GetString());
            Assert.Equal(
                string.Join(':', System.Security.Cryptography.SHA256.HashData(der).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))),
                chain[0].GetProperty("sha256").GetString());
        }
    }

    private static string Snapshot(CertificateMessageSerializer serializer, CtLogEntry entry)
    {
        using var messages = serializer.Serialize(entry, Rfc6962Log, 1.5);
        return string.Join('\n', StreamKinds.All.Select(k => Encoding.UTF8.GetString(messages.Get(k).Span)));
    }
}
