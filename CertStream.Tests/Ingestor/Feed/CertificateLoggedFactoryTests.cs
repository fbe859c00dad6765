using System.Text;
using CertStream.Ingestor.Feed;

namespace CertStream.Tests.Ingestor.Feed;

public sealed class CertificateLoggedFactoryTests
{
    private const string Json = """
        {"message_type":"certificate_update","data":{"update_type":"PrecertLogEntry","leaf_cert":{"subject":{"aggregated":"/CN=www.example.com"},
        "issuer":{"C":"US","CN":"R11","aggregated":"/C=US/CN=R11/O=Let's Encrypt"},"not_before":1735689600,"not_after":1743465600,
        "fingerprint":"AA:BB","sha1":"AA:BB","sha256":"CC:DD","all_domains":["www.example.com","example.com"]},"chain":[],"cert_index":42,
        "seen":1735700000.5,"source":{"name":"Test log","url":"https://ct.example.net/log/","timestamp":1735699999.25,"type":"rfc6962"}}}
        """;

    [Fact]
    public void Copies_the_leaf_fields_and_keeps_the_whole_message()
    {
        var message = CertificateLoggedFactory.Create("https://ct.example.net/log/", "Test log", 42, Encoding.UTF8.GetBytes(Json));

        Assert.Equal(1, message.Version);
        Assert.Equal("https://ct.example.net/log/", message.LogUrl);
        Assert.Equal(42, message.Index);
        Assert.Equal("PrecertLogEntry", message.UpdateType);
        Assert.Equal(["www.example.com", "example.com"], message.AllDomains);
        Assert.Equal("AA:BB", message.Sha1);
        Assert.Equal("CC:DD", message.Sha256);
        Assert.Equal("/C=US/CN=R11/O=Let's Encrypt", message.Issuer);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1735689600), message.NotBefore);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1743465600), message.NotAfter);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1735699999250), message.LoggedAt);
        Assert.Equal(Json, message.Payload);
    }
}
