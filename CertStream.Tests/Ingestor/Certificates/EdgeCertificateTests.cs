using System.Security.Cryptography;
using System.Text.Json;
using CertStream.Ingestor.Certificates;
using CertStream.Ingestor.Ct;

namespace CertStream.Tests.Ingestor.Certificates;

/// <summary>
/// The odd real certificates of TestData/ct/certs (docs/ct-protocols.md §5.1): each one yields a message,
/// with the specific fields that make it odd checked against what openssl prints.
/// </summary>
public sealed class EdgeCertificateTests
{
    public static TheoryData<string> CertificateFiles()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(CertificateTestData.CertsDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(CertificateTestData.CertsDirectory, path);
            if (!name.EndsWith(".md", StringComparison.Ordinal) && !name.Contains("-tbs.", StringComparison.Ordinal))
            {
                data.Add(name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CertificateFiles))]
    public void EveryFixtureCertificateYieldsAMessage(string file)
    {
        // Includes the three that openssl refuses (negative_serial, xf-der-invalid-nonminimal-int,
        // cert_bad_utf8_subject): the lenient reader still shows them.
        var certificates = CertificateTestData.ReadCertificates(Path.Combine(CertificateTestData.CertsDirectory, file));
        Assert.NotEmpty(certificates);
        foreach (var der in certificates)
        {
            using var messages = CertificateMessages.Serialize(der, certificates.ToArray());
            var leaf = messages.FullLeaf;
            Assert.Equal(Convert.ToBase64String(der), leaf.GetProperty("as_der").GetString());
            Assert.Equal(Hex(SHA256.HashData(der)), leaf.GetProperty("sha256").GetString());
            Assert.Equal(JsonValueKind.String, leaf.GetProperty("serial_number").ValueKind);
            Assert.Equal(JsonValueKind.Number, leaf.GetProperty("not_before").ValueKind);
            Assert.Equal(JsonValueKind.Number, leaf.GetProperty("not_after").ValueKind);
            Assert.Equal(certificates.Count, messages.Chain.GetArrayLength());
        }
    }

    [Theory]
    [InlineData("preissuer-precert-tbs.poison-stripped-only.der")]
    [InlineData("preissuer-precert-tbs.rfc6962-rewritten.derived.der")]
    public void ABareTbsCertificateIsNotACertificate(string file)
    {
        var tbs = CertificateTestData.ReadFirstCertificate("precert", file);

        Assert.Throws<CtDecodeException>(() => X509CertificateParser.Parse(tbs));
        Assert.Throws<CtDecodeException>(() => CertificateMessages.Serialize(tbs));
    }

    [Theory]
    [InlineData("cn_utf8.pem", "B278DB4E5AEA14B0")] // DER 00 B2 78 …: no sign byte
    [InlineData("authority_keyid.pem", "-5909C72DFFFFCA83")] // minimal negative INTEGER
    [InlineData("negative_serial.pem", "-2A2ABAC2CDB16A74803A2FB8882442")] // non-minimal negative FF D5 …
    [InlineData("asn1_indefinite_length_encoding.pem", "00")]
    [InlineData("multiple_an.pem", "01389B")]
    [InlineData("promise_com.pem", "210000015535C43920110629153246")]
    public void SerialNumbersFollowTheWireFormatRule(string file, string serial)
    {
        Assert.Equal(serial, CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctpython", file)).GetProperty("serial_number").GetString());
    }

    [Fact]
    public void ANonMinimalSerialIsReadLeniently()
    {
        var leaf = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctgo-invalid", "xf-der-invalid-nonminimal-int.pem"));
        Assert.Equal("1234", leaf.GetProperty("serial_number").GetString()); // DER 00 00 12 34
    }

    [Theory]
    [InlineData("marchnetworks_com.pem", 946684800L, 1893456000L)] // UTCTime without seconds: 0001010000Z
    [InlineData("promise_com.pem", 1309404768L, 1624721568L)] // 110629153248-1200 = 2011-06-30T03:32:48Z
    [InlineData("subrigo_net.pem", 1355477467L, 1670923867L)] // …+0000
    [InlineData("expiration_not_well_defined.pem", 1417005993L, 253402300799L)] // 99991231235959Z
    public void OddValidityTimesAreRead(string file, long notBefore, long notAfter)
    {
        var leaf = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctpython", file));
        Assert.Equal(notBefore, leaf.GetProperty("not_before").GetInt64());
        Assert.Equal(notAfter, leaf.GetProperty("not_after").GetInt64());
    }

    [Fact]
    public void NulCharactersAndIPv6InTheSubjectAltNameAreKept()
    {
        using var messages = CertificateMessages.Serialize(CertificateTestData.ReadFirstCertificate("edge-ctpython", "null_chars.pem"));
        var leaf = messages.FullLeaf;

        Assert.Equal("null.python.org\0example.org", leaf.GetProperty("subject").GetProperty("CN").GetString());
        Assert.Equal("python-dev@python.org", leaf.GetProperty("subject").GetProperty("email_address").GetString());
        Assert.Equal(
            "DNS:altnull.python.org\0example.com, email:null@python.org\0user@example.org, IP Address:192.0.2.1, IP Address:2001:db8::1",
            leaf.GetProperty("extensions").GetProperty("subjectAltName").GetString());
        Assert.Equal(["altnull.python.org\0example.com", "null.python.org\0example.org"], messages.DomainsData);
        Assert.Contains("\\u0000", messages.Full.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnEightByteIPAddressIsShownAsInvalid()
    {
        var leaf = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctpython", "invalid_ip.pem"));
        Assert.Equal("IP Address:<invalid length=8>, email:walter.oconner@va.gov", leaf.GetProperty("extensions").GetProperty("subjectAltName").GetString());
        Assert.Equal("West Virginia", leaf.GetProperty("subject").GetProperty("ST").GetString());
    }

    [Theory]
    [InlineData("xf-ext-extended-key-usage-empty.pem")] // extnValue is an empty OCTET STRING: no SEQUENCE at all
    [InlineData("xf-ext-extended-key-usage-empty-oid.pem")] // serverAuth, clientAuth and an OID of length 0
    public void AMalformedExtendedKeyUsageIsLeftOutAlone(string file)
    {
        var leaf = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctgo-invalid", file));
        var extensions = leaf.GetProperty("extensions");
        Assert.False(extensions.TryGetProperty("extendedKeyUsage", out _));
        Assert.Equal("keyid:01:02:03:04", extensions.GetProperty("authorityKeyIdentifier").GetString());
        Assert.Equal("*.google.com", leaf.GetProperty("subject").GetProperty("CN").GetString());
    }

    [Fact]
    public void DuplicateExtensionsUseTheFirstAndUnknownPurposesAreDotted()
    {
        // Two EKU extensions: openssl lists "TLS Web Server, TLS Web Client, Netscape SGC" first.
        var extensions = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctpython", "multiple_eku.pem")).GetProperty("extensions");
        Assert.Equal("serverAuth, clientAuth, 2.16.840.1.113730.4.1", extensions.GetProperty("extendedKeyUsage").GetString());
        Assert.Equal("Digital Signature, Content Commitment, Key Encipherment, Data Encipherment", extensions.GetProperty("keyUsage").GetString());
        Assert.Equal("Policy: 2.16.756.1.83.4\n", extensions.GetProperty("certificatePolicies").GetString());
    }

    [Fact]
    public void SeveralCommonNamesAreJoinedAndEachIsADomain()
    {
        using var messages = CertificateMessages.Serialize(CertificateTestData.ReadFirstCertificate("edge-ctpython", "multiple_cn.pem"));
        var subject = messages.FullLeaf.GetProperty("subject");
        Assert.Equal("www.rd.io,rdio.com,rd.io,api.rdio.com,api.rd.io,www.rdio.com", subject.GetProperty("CN").GetString());
        Assert.Equal("CA", subject.GetProperty("ST").GetString());
        Assert.Equal("/C=US/CN=www.rd.io,rdio.com,rd.io,api.rdio.com,api.rd.io,www.rdio.com/L=San Francisco/O=Rdio, Inc./OU=COMODO EV Multi-Domain SSL/ST=CA", subject.GetProperty("aggregated").GetString());

        // SAN order; every CN is already there, so nothing is appended.
        Assert.Equal(["www.rdio.com", "api.rd.io", "api.rdio.com", "rd.io", "rdio.com", "www.rd.io"], messages.DomainsData);
    }

    [Fact]
    public void SubjectAltNameShowsDnsEmailAndIPOnly()
    {
        // The DirName and URI entries are not part of the wire format's SAN string.
        var extensions = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctpython", "multiple_an.pem")).GetProperty("extensions");
        Assert.Equal("DNS:spires.wpafb.af.mil, IP Address:129.48.105.104", extensions.GetProperty("subjectAltName").GetString());
    }

    [Fact]
    public void StateIsStateOrProvinceNotStreet()
    {
        var subject = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctpython", "cert_with_address.pem")).GetProperty("subject");
        Assert.Equal("Queensland", subject.GetProperty("ST").GetString());
        Assert.Equal("/C=AU/CN=idp.cqu.edu.au/L=Rockhampton/O=CQUniversity Australia/ST=Queensland", subject.GetProperty("aggregated").GetString());
    }

    [Fact]
    public void Utf8NamesAreDecoded()
    {
        var cnUtf8 = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctpython", "cn_utf8.pem"));
        Assert.StartsWith("ñeco ñýáěšžěšžřěčíě+ščýáíéřáíÚ", cnUtf8.GetProperty("subject").GetProperty("CN").GetString(), StringComparison.Ordinal);
        Assert.Equal("sha1, rsa", cnUtf8.GetProperty("signature_algorithm").GetString());
        Assert.Empty(cnUtf8.GetProperty("extensions").EnumerateObject());

        var ecdsa = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctpython", "ecdsa_cert.pem"));
        Assert.Equal("東京都", ecdsa.GetProperty("subject").GetProperty("ST").GetString());
        Assert.Equal("渋谷区", ecdsa.GetProperty("subject").GetProperty("L").GetString());
        Assert.Equal("ecdsa, sha256", ecdsa.GetProperty("signature_algorithm").GetString());
        Assert.Equal(["kmonos.jp"], ecdsa.GetProperty("all_domains").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void ASubjectWithInvalidUtf8StillParses()
    {
        // The invalid UTF8String is in streetAddress, which is not shown; the rest of the Name is.
        var subject = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctpython", "cert_bad_utf8_subject.pem")).GetProperty("subject");
        Assert.Equal("www.alojamientocostadelsol.com", subject.GetProperty("CN").GetString());
        Assert.Equal("MALAGA", subject.GetProperty("ST").GetString());
    }

    [Fact]
    public void BerIndefiniteLengthAndVersion1CertificatesParse()
    {
        var ber = CertificateTestData.ReadFirstCertificate("edge-ctpython", "asn1_indefinite_length_encoding.pem");
        var parsed = X509CertificateParser.Parse(ber);
        Assert.Equal("VeriSign, Inc.", parsed.Subject.Get(NameAttribute.O));
        Assert.Equal("Internet", parsed.Subject.Get(NameAttribute.L));
        Assert.Equal(828958827L, parsed.NotBefore); // 1996-04-08 10:20:27Z
        Assert.Equal("md5, rsa", parsed.SignatureAlgorithm);

        var v1 = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctpython", "v1_cert.pem"));
        Assert.Equal("md2, rsa", v1.GetProperty("signature_algorithm").GetString());
        Assert.False(v1.GetProperty("is_ca").GetBoolean());
        Assert.Equal("", v1.GetProperty("subject").GetProperty("CN").GetString());
        Assert.Equal("/C=US/O=VeriSign, Inc./OU=Class 3 Public Primary Certification Authority", v1.GetProperty("subject").GetProperty("aggregated").GetString());
        Assert.Equal(1, X509CertificateParser.Parse(CertificateTestData.ReadFirstCertificate("edge-ctpython", "v1_cert.pem")).Version);
    }

    [Fact]
    public void SignatureAlgorithmComesFromTheOuterAlgorithm()
    {
        // The TBS says ecdsa-with-SHA256, the certificate's signatureAlgorithm ecdsa-with-SHA384.
        var leaf = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctgo-invalid", "mismatching-sig-alg.pem"));
        Assert.Equal("ecdsa, sha384", leaf.GetProperty("signature_algorithm").GetString());
        Assert.Equal("", leaf.GetProperty("subject").GetProperty("aggregated").GetString());
        Assert.Equal("00", leaf.GetProperty("serial_number").GetString());

        Assert.Equal("dsa, sha256", CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctpython", "dsa_with_sha256.der")).GetProperty("signature_algorithm").GetString());
    }

    [Fact]
    public void APrintableStringWithInvalidCharactersIsShown()
    {
        var subject = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctgo-invalid", "xf-subject-nonprintable.pem")).GetProperty("subject");
        Assert.Equal("*.google.com", subject.GetProperty("CN").GetString());
        Assert.Equal("California", subject.GetProperty("ST").GetString());
    }

    [Fact]
    public void UserNoticeQualifiersAreNotPartOfThePolicies()
    {
        var extensions = CertificateMessages.Leaf(CertificateTestData.ReadFirstCertificate("edge-ctpython", "user_notice.pem")).GetProperty("extensions");
        Assert.Equal("Policy: 1.2.392.200081.1.1\n", extensions.GetProperty("certificatePolicies").GetString());
        Assert.Equal("CA:FALSE", extensions.GetProperty("basicConstraints").GetString());
    }

    [Fact]
    public void APrecertificateChainThroughAPrecertSigningCertificate()
    {
        var chain = CertificateTestData.ReadCertificates(Path.Combine(CertificateTestData.CertsDirectory, "precert", "preissuer-chain.pem"));
        Assert.Equal(4, chain.Count);

        using var messages = CertificateMessages.Serialize(CtEntryType.Precert, chain[0], chain[1..].ToArray());

        var leaf = messages.FullLeaf;
        Assert.True(leaf.GetProperty("extensions").GetProperty("ctlPoisonByte").GetBoolean());
        Assert.Equal(["flowers-to-the-world.com"], messages.DomainsData);
        Assert.Equal("PrecertLogEntry", messages.Full.RootElement.GetProperty("data").GetProperty("update_type").GetString());
        var signer = messages.Chain[0];
        Assert.Equal("1.3.6.1.4.1.11129.2.4.4", signer.GetProperty("extensions").GetProperty("extendedKeyUsage").GetString());
        Assert.True(signer.GetProperty("is_ca").GetBoolean());
        Assert.False(signer.GetProperty("extensions").TryGetProperty("ctlPoisonByte", out _));
    }

    [Fact]
    public void ARealPrecertificateHasThePoisonExtension()
    {
        var precert = CertificateTestData.ReadFirstCertificate("precert", "real-precert-gts-certificate.transparency.dev.pem");
        var parsed = X509CertificateParser.Parse(precert);
        Assert.True(parsed.Extensions.HasCtPoison);

        // Even as an x509 entry (it is still a precertificate by its extension).
        var leaf = CertificateMessages.Leaf(precert);
        Assert.True(leaf.GetProperty("extensions").GetProperty("ctlPoisonByte").GetBoolean());
        Assert.Equal("9CA407E225F97CC20A00000000206EE5", leaf.GetProperty("serial_number").GetString());
        Assert.Equal(["certificate.transparency.dev"], leaf.GetProperty("all_domains").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void ACaCommonNameIsNotADomain()
    {
        using var messages = CertificateMessages.Serialize(CertificateTestData.ReadFirstCertificate("edge-ctpython", "subrigo_net.pem"));
        Assert.True(messages.FullLeaf.GetProperty("is_ca").GetBoolean());
        Assert.Equal("Certificate Signing, CRL Signing", messages.FullLeaf.GetProperty("extensions").GetProperty("keyUsage").GetString());
        Assert.Empty(messages.DomainsData);
    }

    private static string Hex(byte[] hash) => string.Join(':', hash.Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}
