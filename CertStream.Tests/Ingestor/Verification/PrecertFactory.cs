using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertStream.Tests.Ingestor.Verification;

/// <summary>
/// Signed precertificates and the TBS a log would record for them (RFC 6962 §3.2), made with
/// CertificateRequest: the same request with and without the poison extension gives the precert and a
/// certificate whose TBS is exactly the precert's TBS minus the poison.
/// </summary>
internal static class PrecertFactory
{
    public const string PoisonOid = "1.3.6.1.4.1.11129.2.4.3";

    private static readonly DateTimeOffset NotBefore = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static (byte[] Precert, byte[] LoggedTbs) Create(string commonName, byte[] serial)
    {
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuer = new X509Certificate2Builder(issuerKey);
        var precert = Sign(commonName, serial, leafKey, issuer, poison: true);
        var final = Sign(commonName, serial, leafKey, issuer, poison: false);
        return (precert, TbsOf(final));
    }

    public static byte[] TbsOf(byte[] certificate)
    {
        var reader = new AsnReader(certificate, AsnEncodingRules.DER).ReadSequence();
        return reader.ReadEncodedValue().ToArray();
    }

    private static byte[] Sign(string commonName, byte[] serial, ECDsa key, X509Certificate2Builder issuer, bool poison)
    {
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(commonName);
        request.CertificateExtensions.Add(san.Build());
        if (poison)
        {
            request.CertificateExtensions.Add(new X509Extension(PoisonOid, [0x05, 0x00], critical: true));
        }

        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        using var certificate = request.Create(issuer.Name, X509SignatureGenerator.CreateForECDsa(issuer.Key), NotBefore, NotBefore.AddDays(90), serial);
        return certificate.RawData;
    }

    private sealed record X509Certificate2Builder(ECDsa Key)
    {
        public X500DistinguishedName Name { get; } = new("CN=Test Precert CA");
    }
}
