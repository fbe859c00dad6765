using System.Formats.Asn1;
using System.Text;
using CertStream.Ingestor.Certificates;
using CertStream.Ingestor.Ct;

namespace CertStream.Tests.Ingestor.Certificates;

/// <summary>Hand-built certificates for what no real fixture has: string types, invalid UTF-8, big SAN lists.</summary>
public sealed class SyntheticCertificateTests
{
    private const string CN = "2.5.4.3";
    private const string O = "2.5.4.10";
    private const string OU = "2.5.4.11";

    [Fact]
    public void AllDirectoryStringTypesAreDecoded()
    {
        var der = new TestCertificateBuilder()
            .Subject(CN, UniversalTagNumber.BMPString, Encoding.BigEndianUnicode.GetBytes("bmp-€.example"))
            .Subject(O, UniversalTagNumber.T61String, [(byte)'M', 0xFC, (byte)'n', (byte)'c', (byte)'h', (byte)'e', (byte)'n']) // Latin-1
            .Subject(OU, UniversalTagNumber.T61String, Encoding.UTF8.GetBytes("Zürich")) // UTF-8 in a T61String
            .Subject("2.5.4.7", UniversalTagNumber.UniversalString, new UTF32Encoding(bigEndian: true, byteOrderMark: false).GetBytes("𝔘niversal"))
            .Subject("2.5.4.6", UniversalTagNumber.PrintableString, "DE"u8.ToArray())
            .Subject("1.2.840.113549.1.9.1", UniversalTagNumber.IA5String, "a@b.example"u8.ToArray())
            .Build();

        var subject = CertificateMessages.Leaf(der).GetProperty("subject");

        Assert.Equal("bmp-€.example", subject.GetProperty("CN").GetString());
        Assert.Equal("München", subject.GetProperty("O").GetString());
        Assert.Equal("Zürich", subject.GetProperty("OU").GetString());
        Assert.Equal("𝔘niversal", subject.GetProperty("L").GetString());
        Assert.Equal("a@b.example", subject.GetProperty("email_address").GetString());
        Assert.Equal("/C=DE/CN=bmp-€.example/L=𝔘niversal/O=München/OU=Zürich", subject.GetProperty("aggregated").GetString());
    }

    [Fact]
    public void InvalidStringsBecomeReplacementCharacters()
    {
        var der = new TestCertificateBuilder()
            .Subject(CN, UniversalTagNumber.UTF8String, [(byte)'b', (byte)'a', 0xC3, (byte)'d', 0xFF])
            .Subject(O, UniversalTagNumber.BMPString, [0xD8, 0x00, 0x00, 0x41, 0x00]) // lone high surrogate, odd length
            .Subject(OU, UniversalTagNumber.UTF8String, [0xED, 0xA0, 0x80]) // an encoded surrogate (CESU-8)
            .DnsNames("ok.example"u8.ToArray(), [(byte)'x', 0xE9, (byte)'.', (byte)'e', (byte)'x'])
            .Build();

        using var messages = CertificateMessages.Serialize(der);
        var subject = messages.FullLeaf.GetProperty("subject");

        Assert.Equal("ba\uFFFDd\uFFFD", subject.GetProperty("CN").GetString());
        Assert.Equal("\uFFFDA\uFFFD", subject.GetProperty("O").GetString());
        Assert.Equal("\uFFFD\uFFFD\uFFFD", subject.GetProperty("OU").GetString());
        Assert.Equal(["ok.example", "x\uFFFD.ex", "ba\uFFFDd\uFFFD"], messages.DomainsData);
    }

    [Fact]
    public void ASubjectWithoutAttributesHasEveryKey()
    {
        var leaf = CertificateMessages.Leaf(new TestCertificateBuilder().DnsNames("only-san.example").Build());
        var subject = leaf.GetProperty("subject");

        Assert.Equal(["C", "CN", "L", "O", "OU", "ST", "email_address", "aggregated"], subject.EnumerateObject().Select(p => p.Name));
        Assert.Equal("", subject.GetProperty("CN").GetString());
        Assert.Equal("", subject.GetProperty("aggregated").GetString());
        Assert.All(["C", "L", "O", "OU", "ST", "email_address"], key => Assert.Equal(System.Text.Json.JsonValueKind.Null, subject.GetProperty(key).ValueKind));
        Assert.Equal(["only-san.example"], leaf.GetProperty("all_domains").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("/CN=Test Issuer", leaf.GetProperty("issuer").GetProperty("aggregated").GetString());
    }

    [Fact]
    public void AllDomainsKeepsSanOrderDropsDuplicatesAndAppendsTheCommonName()
    {
        var sans = new List<string>();
        for (var i = 0; i < 250; i++)
        {
            sans.Add($"host{i % 200}.Example.COM"); // 50 duplicates, case kept
        }

        sans.Insert(3, "*.wild.example");
        var der = new TestCertificateBuilder().Subject(CN, "cn-only.example").DnsNames([.. sans]).BasicConstraints(ca: false).Build();

        using var messages = CertificateMessages.Serialize(der);

        var expected = sans.Distinct(StringComparer.Ordinal).Append("cn-only.example").ToList();
        Assert.Equal(201 + 1, expected.Count);
        Assert.Equal(expected, messages.DomainsData);
        Assert.Equal(expected, messages.FullLeaf.GetProperty("all_domains").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("CA:FALSE", messages.FullLeaf.GetProperty("extensions").GetProperty("basicConstraints").GetString());
        Assert.StartsWith("DNS:host0.Example.COM, DNS:host1.Example.COM, DNS:host2.Example.COM, DNS:*.wild.example, ",
            messages.FullLeaf.GetProperty("extensions").GetProperty("subjectAltName").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheCommonNameOfACaIsNotAppended()
    {
        var der = new TestCertificateBuilder().Subject(CN, "Some CA").DnsNames("ca.example").BasicConstraints(ca: true).Build();

        using var messages = CertificateMessages.Serialize(der);

        Assert.True(messages.FullLeaf.GetProperty("is_ca").GetBoolean());
        Assert.Equal(["ca.example"], messages.DomainsData);
    }

    [Fact]
    public void IPv4AndIPv6AddressesAreFormatted()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            var tag = new Asn1Tag(TagClass.ContextSpecific, 7);
            writer.WriteOctetString([10, 0, 0, 255], tag);
            writer.WriteOctetString(System.Net.IPAddress.Parse("2001:db8:0:0:1:0:0:1").GetAddressBytes(), tag);
            writer.WriteOctetString(System.Net.IPAddress.Parse("::ffff:192.0.2.7").GetAddressBytes(), tag);
            writer.WriteOctetString([1, 2, 3], tag);
            writer.WriteCharacterString(UniversalTagNumber.IA5String, "mail@example.org", new Asn1Tag(TagClass.ContextSpecific, 1));
            writer.WriteCharacterString(UniversalTagNumber.IA5String, "https://uri.example/", new Asn1Tag(TagClass.ContextSpecific, 6));
        }

        var leaf = CertificateMessages.Leaf(new TestCertificateBuilder().Extension("2.5.29.17", writer.Encode()).Build());

        Assert.Equal(
            "IP Address:10.0.0.255, IP Address:2001:db8::1:0:0:1, IP Address:::ffff:192.0.2.7, IP Address:<invalid length=3>, email:mail@example.org",
            leaf.GetProperty("extensions").GetProperty("subjectAltName").GetString());
        Assert.Empty(leaf.GetProperty("all_domains").EnumerateArray());
    }

    [Fact]
    public void EmptyAndUnknownExtensionValues()
    {
        var emptyEku = new AsnWriter(AsnEncodingRules.DER);
        emptyEku.PushSequence();
        emptyEku.PopSequence();
        var keyUsage = new AsnWriter(AsnEncodingRules.DER);
        keyUsage.WriteBitString([0x80, 0x80], unusedBitCount: 7); // digitalSignature + decipherOnly (bit 8)
        var der = new TestCertificateBuilder()
            .Extension("2.5.29.37", emptyEku.Encode())
            .Extension("2.5.29.15", keyUsage.Encode(), critical: true)
            .Extension("2.5.29.35", [0x30, 0x00]) // AKI without keyIdentifier
            .Extension("2.5.29.14", [0x04, 0x02, 0xAB, 0xCD])
            .Extension("2.5.29.19", [0x30, 0x03, 0x01, 0x01, 0x01]) // BER TRUE (0x01)
            .Extension("1.2.3.4", [0x05, 0x00])
            .Build();

        var leaf = CertificateMessages.Leaf(der);
        var extensions = leaf.GetProperty("extensions");

        Assert.Equal("", extensions.GetProperty("extendedKeyUsage").GetString());
        Assert.Equal("Digital Signature, Decipher Only", extensions.GetProperty("keyUsage").GetString());
        Assert.False(extensions.TryGetProperty("authorityKeyIdentifier", out _));
        Assert.Equal("keyid:ab:cd", extensions.GetProperty("subjectKeyIdentifier").GetString());
        Assert.Equal("CA:TRUE", extensions.GetProperty("basicConstraints").GetString());
        Assert.True(leaf.GetProperty("is_ca").GetBoolean());
        Assert.Equal(["subjectKeyIdentifier", "basicConstraints", "keyUsage", "extendedKeyUsage"], extensions.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void ABrokenFieldIsNullAndTheRestIsKept()
    {
        var der = new TestCertificateBuilder
        {
            NotBefore = TestCertificateBuilder.Time(UniversalTagNumber.UtcTime, "251301000000Z"), // month 13
            NotAfter = TestCertificateBuilder.Time(UniversalTagNumber.GeneralizedTime, "20300101120000.123Z"),
            SerialContent = [],
            SignatureOid = "1.2.3.4.5",
        }.Subject(CN, "still.example").DnsNames("still.example").Extension("2.5.29.17", [0x30, 0x05, 0x82]).Build();

        var leaf = CertificateMessages.Leaf(der);

        Assert.Equal(System.Text.Json.JsonValueKind.Null, leaf.GetProperty("not_before").ValueKind);
        Assert.Equal(1893499200, leaf.GetProperty("not_after").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, leaf.GetProperty("serial_number").ValueKind);
        Assert.Equal("unknown", leaf.GetProperty("signature_algorithm").GetString());
        Assert.Equal("DNS:still.example", leaf.GetProperty("extensions").GetProperty("subjectAltName").GetString()); // the first SAN wins
        Assert.Equal("still.example", leaf.GetProperty("subject").GetProperty("CN").GetString());
    }

    [Theory]
    [InlineData("1.2.840.113549.1.1.11", "sha256, rsa")]
    [InlineData("1.2.840.113549.1.1.12", "sha384, rsa")]
    [InlineData("1.2.840.113549.1.1.13", "sha512, rsa")]
    [InlineData("1.2.840.113549.1.1.5", "sha1, rsa")]
    [InlineData("1.2.840.113549.1.1.4", "md5, rsa")]
    [InlineData("1.2.840.10045.4.3.2", "ecdsa, sha256")]
    [InlineData("1.2.840.10045.4.3.3", "ecdsa, sha384")]
    [InlineData("1.2.840.10045.4.3.4", "ecdsa, sha512")]
    [InlineData("1.2.840.10045.4.1", "ecdsa, sha1")]
    [InlineData("1.3.101.112", "ed25519")]
    [InlineData("1.2.840.10040.4.3", "dsa, sha1")]
    [InlineData("1.2.840.113549.1.1.10", "unknown")] // RSASSA-PSS without parameters: SHA-1 default
    [InlineData("1.3.101.113", "unknown")] // Ed448
    public void SignatureAlgorithmNames(string oid, string name)
    {
        Assert.Equal(name, X509CertificateParser.Parse(new TestCertificateBuilder { SignatureOid = oid }.Build()).SignatureAlgorithm);
    }

    [Theory]
    [InlineData("2.16.840.1.101.3.4.2.1", "sha256, rsa-pss")]
    [InlineData("2.16.840.1.101.3.4.2.2", "sha384, rsa-pss")]
    [InlineData("2.16.840.1.101.3.4.2.3", "sha512, rsa-pss")]
    public void RsaPssIsNamedByItsHash(string hashOid, string name)
    {
        var parameters = new AsnWriter(AsnEncodingRules.DER);
        using (parameters.PushSequence())
        {
            using (parameters.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            using (parameters.PushSequence())
            {
                parameters.WriteObjectIdentifier(hashOid);
            }
        }

        var algorithm = new AsnWriter(AsnEncodingRules.DER);
        algorithm.WriteObjectIdentifier("1.2.840.113549.1.1.10");
        Assert.Equal(name, SignatureAlgorithmNamesProbe(algorithm.Encode(), parameters.Encode()));
    }

    private static string SignatureAlgorithmNamesProbe(byte[] oidTlv, byte[] parameters) =>
        CertStream.Ingestor.Certificates.SignatureAlgorithmNames.FromOid(oidTlv.AsSpan(2), parameters);

    [Fact]
    public void TrailingBytesAfterTheCertificateAreRejected()
    {
        var der = new TestCertificateBuilder().Build();
        Assert.Throws<CtDecodeException>(() => X509CertificateParser.Parse(der.Append((byte)0).ToArray()));
        Assert.Throws<CtDecodeException>(() => X509CertificateParser.Parse(der[..^1]));
        Assert.Throws<CtDecodeException>(() => X509CertificateParser.Parse("not a certificate"u8.ToArray()));
        Assert.Throws<CtDecodeException>(() => X509CertificateParser.Parse(Array.Empty<byte>()));
    }
}
