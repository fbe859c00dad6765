using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Dedup;
using CertStream.Ingestor.Serialization;

namespace CertStream.Tests.Ingestor.Dedup;

/// <summary>
/// The join key pairs a precertificate with its final certificate: the same TBS but for the poison
/// (precert) and the SCT list (final). Both are built here from one key and name, so only those
/// extensions (and the signatures) differ, as between a real precert and its certificate.
/// </summary>
public sealed class DedupKeysUnitTests
{
    private static readonly DateTimeOffset NotBefore = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    private static byte[] Issue(ECDsa key, byte[] serial, string name, X509Extension ctExtension)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(ctExtension);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        using var cert = request.Create(new X500DistinguishedName("CN=Test Issuing CA"), X509SignatureGenerator.CreateForECDsa(key), NotBefore, NotBefore.AddDays(90), serial);
        return cert.RawData;
    }

    private static X509Extension Poison() => new("1.3.6.1.4.1.11129.2.4.3", [0x05, 0x00], critical: true);

    private static X509Extension Scts() => new("1.3.6.1.4.1.11129.2.4.2", [0x04, 0x03, 0x00, 0x01, 0x00], critical: false);

    private static byte[] Join(CtLogEntry entry)
    {
        var key = new byte[DedupKeys.Length];
        Assert.True(DedupKeys.Join(entry, key));
        return key;
    }

    private static byte[] CertificateKey(CtLogEntry entry)
    {
        using var messages = new CertificateMessageSerializer().Serialize(entry, CtLogInfo.Create("Test log", "https://ct.example/log/", CtLogKind.Rfc6962), 1.5);
        return messages.LeafSha256.ToArray();
    }

    private static ReadOnlyMemory<byte> Tbs(byte[] certificate)
    {
        var reader = new System.Formats.Asn1.AsnReader(certificate, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        return reader.ReadEncodedValue().ToArray();
    }

    [Fact]
    public void APrecertAndItsCertificateShareTheJoinKeyButNotTheCertificateKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] serial = [0x01, 0x23, 0x45, 0x67];
        var precert = Issue(key, serial, "www.example.com", Poison());
        var final = Issue(key, serial, "www.example.com", Scts());
        var precertEntry = new CtLogEntry(1, 0, CtEntryType.Precert, precert, []) { PrecertTbs = Tbs(precert) };
        var finalEntry = new CtLogEntry(2, 0, CtEntryType.X509, final, []);

        Assert.Equal(Join(precertEntry), Join(finalEntry));
        Assert.NotEqual(CertificateKey(precertEntry), CertificateKey(finalEntry));

        // Without a logged TBS the pre_certificate's own TBS is used: the same here (no signing certificate).
        Assert.Equal(Join(finalEntry), Join(precertEntry with { PrecertTbs = default }));
    }

    [Fact]
    public void AnotherCertificateHasAnotherJoinKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var one = new CtLogEntry(1, 0, CtEntryType.X509, Issue(key, [0x01], "a.example.com", Scts()), []);
        var otherSerial = new CtLogEntry(2, 0, CtEntryType.X509, Issue(key, [0x02], "a.example.com", Scts()), []);
        var otherName = new CtLogEntry(3, 0, CtEntryType.X509, Issue(key, [0x01], "b.example.com", Scts()), []);
        Assert.NotEqual(Join(one), Join(otherSerial));
        Assert.NotEqual(Join(one), Join(otherName));
    }

    [Fact]
    public void AnUndecodableLeafHasNoJoinKey()
    {
        var entry = new CtLogEntry(1, 0, CtEntryType.X509, new byte[] { 0x30, 0x03, 0x02 }, []);
        Assert.False(DedupKeys.Join(entry, new byte[DedupKeys.Length]));
    }
}
