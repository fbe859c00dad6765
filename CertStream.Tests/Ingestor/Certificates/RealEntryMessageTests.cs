using System.Text.Json;
using CertStream.Contracts;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Serialization;

namespace CertStream.Tests.Ingestor.Certificates;

/// <summary>Whole messages for the real get-entries responses of TestData/ct/rfc6962 (checked against openssl).</summary>
public sealed class RealEntryMessageTests
{
    private static readonly CtLogInfo Argon2020 = CtLogInfo.Create("Google 'Argon2020' log", "https://ct.googleapis.com/logs/argon2020/", CtLogKind.Rfc6962);

    private static Messages Serialize(long index, (byte[] LeafInput, byte[] ExtraData) raw)
    {
        var entry = Rfc6962EntryDecoder.Decode(index, raw.LeafInput, raw.ExtraData);
        using var serialized = new CertificateMessageSerializer().Serialize(entry, Argon2020, 1779302894.512);
        return new Messages(
            JsonDocument.Parse(serialized.Get(StreamKind.Lite)),
            JsonDocument.Parse(serialized.Get(StreamKind.Full)),
            JsonDocument.Parse(serialized.Get(StreamKind.Domains)));
    }

    [Fact]
    public void Argon2020Entry10000()
    {
        using var messages = Serialize(10000, CertificateTestData.ReadGetEntries("argon2020_get-entries_start-10000_end-10000.json").Single());

        var data = messages.Full.RootElement.GetProperty("data");
        Assert.Equal("https://ct.googleapis.com/logs/argon2020/ct/v1/get-entries?start=10000&end=10000", data.GetProperty("cert_link").GetString());
        Assert.Equal(1505737861.715, data.GetProperty("source").GetProperty("timestamp").GetDouble()); // 0x015e94f86a53 ms
        var leaf = messages.FullLeaf;
        Assert.Equal("*.landlords.com.au", leaf.GetProperty("subject").GetProperty("CN").GetString());
        Assert.Equal("Domain Control Validated,PositiveSSL Wildcard", leaf.GetProperty("subject").GetProperty("OU").GetString()); // two OUs joined
        Assert.Equal("EA1D1F365DA96205CD8CA5FD2A2F8423", leaf.GetProperty("serial_number").GetString());
        Assert.Equal("sha256, rsa", leaf.GetProperty("signature_algorithm").GetString());
        Assert.Equal(["*.landlords.com.au", "landlords.com.au"], messages.DomainsData);
        Assert.Equal(
            ["COMODO RSA Domain Validation Secure Server CA", "COMODO RSA Certification Authority", "AddTrust External CA Root"],
            messages.Chain.EnumerateArray().Select(c => c.GetProperty("subject").GetProperty("CN").GetString()));
        Assert.All(messages.Chain.EnumerateArray(), c => Assert.True(c.GetProperty("is_ca").GetBoolean()));
    }

    [Fact]
    public void CtGoScannerEntriesFrom2013()
    {
        var raw = CertificateTestData.ReadGetEntries("ctgo-scanner_get-entries_four-x509-2013.json");
        var expected = new[]
        {
            ("mail.google.com", "Google Internet Authority", "sha1, rsa"),
            ("www.struleartscentre.purchase-tickets-online.co.uk", "GeoTrust SSL CA", "sha1, rsa"),
            ("www.netkeiba.com", "Cybertrust Japan Public CA G2", "sha1, rsa"),
            ("www.oxfordplayhouse.com", "GlobalSign Extended Validation CA - G2", "sha1, rsa"),
        };

        for (var i = 0; i < raw.Count; i++)
        {
            using var messages = Serialize(i, raw[i]);
            var leaf = messages.LiteLeaf;
            Assert.Equal(expected[i].Item1, leaf.GetProperty("subject").GetProperty("CN").GetString());
            Assert.Equal(expected[i].Item2, leaf.GetProperty("issuer").GetProperty("CN").GetString());
            Assert.Equal(expected[i].Item3, leaf.GetProperty("signature_algorithm").GetString());
            Assert.Contains(expected[i].Item1, messages.DomainsData);
            Assert.False(leaf.TryGetProperty("as_der", out _));
            Assert.False(messages.Lite.RootElement.GetProperty("data").TryGetProperty("chain", out _));
        }
    }
}
