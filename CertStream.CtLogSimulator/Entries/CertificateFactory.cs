using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertStream.CtLogSimulator.Entries;

/// <summary>
/// Generates the certificates of entries beyond the recorded ones: a fixed two-level CA
/// (root, intermediate) and one leaf per (log, index) with CN/SAN <c>n{index}.{log}.sim.certstream.test</c>.
/// The output depends only on its inputs (fixed public keys, placeholder signatures, validity from the
/// entry's timestamp), so an entry evicted from a cache is generated again byte for byte.
/// </summary>
internal sealed class CertificateFactory
{
    public const string DomainSuffix = "sim.certstream.test";

    // Public keys only (ECDSA P-256 SPKIs generated once for the simulator); no private key exists or is needed.
    private const string RootSpki = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEofpc3x4GzMIfAggjsr0aWQOyoPxbgUX7wWkSyuAOO8qrzAC/ArYg6CJ96o9qZGfJ8PWxocSI+yq3SGPOmE6hEQ==";
    private const string IntermediateSpki = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAETHr7UhlfHL1S0m1x3e/v5fJndA+bGNoBGTFXLjRxU1LyaAI2112l9wnjhKyG5t9WCntYtFg7wcqWW69AEdMFXA==";
    private const string LeafSpki = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEAT7FTMmMisyz0CB+g29Wgu93HnkAI0+YZNLiaAyuW2718CHrCUBhnwHbh6UPu3JHPvz+oOWLXbjiewvW8xr/RQ==";

    private const string PoisonOid = "1.3.6.1.4.1.11129.2.4.3";
    private static readonly DateTimeOffset CaNotBefore = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly byte[] _leafSpki;
    private readonly X509Extension[] _leafExtensions;
    private readonly X500DistinguishedName _intermediateName;
    private readonly byte[] _signatureAlgorithm = PlaceholderSignatureGenerator.EcdsaWithSha256;

    public static CertificateFactory Shared { get; } = new();

    private CertificateFactory()
    {
        var rootKey = Key(RootSpki);
        var intermediateKey = Key(IntermediateSpki);
        var leafKey = Key(LeafSpki);
        _leafSpki = leafKey.ExportSubjectPublicKeyInfo();

        var rootName = new X500DistinguishedName("CN=CertStream Simulator Root, O=CertStream Simulator, C=ZZ");
        var rootSigner = new PlaceholderSignatureGenerator(rootKey);
        var rootSki = new X509SubjectKeyIdentifierExtension(rootKey, false);
        var root = new CertificateRequest(rootName, rootKey, HashAlgorithmName.SHA256);
        root.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        root.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        root.CertificateExtensions.Add(rootSki);
        RootDer = Create(root, rootName, rootSigner, CaNotBefore, CaNotBefore.AddYears(25), [0x01]);

        _intermediateName = new X500DistinguishedName("CN=CertStream Simulator Issuing CA, O=CertStream Simulator, C=ZZ");
        var intermediateSki = new X509SubjectKeyIdentifierExtension(intermediateKey, false);
        var intermediate = new CertificateRequest(_intermediateName, intermediateKey, HashAlgorithmName.SHA256);
        intermediate.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediate.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        intermediate.CertificateExtensions.Add(intermediateSki);
        intermediate.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(rootSki));
        IntermediateDer = Create(intermediate, rootName, rootSigner, CaNotBefore, CaNotBefore.AddYears(20), [0x02]);

        // The leaf extensions that do not depend on the index, in certificate order (SAN and poison follow).
        _leafExtensions =
        [
            new X509BasicConstraintsExtension(false, false, 0, true),
            new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true),
            new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false),
            new X509SubjectKeyIdentifierExtension(leafKey, false),
            X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(intermediateSki),
        ];

        IntermediateSpkiHash = SHA256.HashData(intermediateKey.ExportSubjectPublicKeyInfo());
        Chain = [IntermediateDer, RootDer];
        IssuersByHex = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [Convert.ToHexStringLower(SHA256.HashData(IntermediateDer))] = IntermediateDer,
            [Convert.ToHexStringLower(SHA256.HashData(RootDer))] = RootDer,
        };
    }

    public byte[] RootDer { get; }

    public byte[] IntermediateDer { get; }

    /// <summary>Issuer first, as in <c>certificate_chain</c>.</summary>
    public IReadOnlyList<byte[]> Chain { get; }

    /// <summary>The chain DERs by lowercase hex SHA-256, as <c>issuer/&lt;hex&gt;</c> serves them.</summary>
    public IReadOnlyDictionary<string, byte[]> IssuersByHex { get; }

    /// <summary>The precert <c>issuer_key_hash</c> of every generated precert.</summary>
    public byte[] IntermediateSpkiHash { get; }

    public static string DnsName(string logName, long index) => $"n{index}.{logName}.{DomainSuffix}";

    /// <summary>
    /// The leaf certificate; with <paramref name="precertificate"/>, the precertificate (critical poison
    /// extension last, so that removing it gives exactly the TBS of <see cref="CreateLeafTbs"/> with
    /// <c>poison: false</c>, as RFC 6962 §3.2 requires of a precert entry's TBS).
    /// </summary>
    public byte[] CreateLeaf(string logName, long index, DateTimeOffset notBefore, bool precertificate)
    {
        var tbs = CreateLeafTbs(logName, index, notBefore, precertificate);
        var writer = new AsnWriter(AsnEncodingRules.DER, tbs.Length + 100);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(tbs);
            writer.WriteEncodedValue(_signatureAlgorithm);
            writer.WriteBitString(PlaceholderSignatureGenerator.Sign(tbs));
        }

        return writer.Encode();
    }

    /// <summary>
    /// The DER TBSCertificate of a generated leaf, written directly (not through CertificateRequest): the
    /// simulator generates thousands of entries per second for the load tool.
    /// </summary>
    public byte[] CreateLeafTbs(string logName, long index, DateTimeOffset notBefore, bool poison)
    {
        var dns = DnsName(logName, index);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(dns);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dns);
        san.AddDnsName("www." + dns);

        // Positive 16-byte serial, unique per (log, index).
        Span<byte> serial = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(dns), serial);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        var start = DateTimeOffset.FromUnixTimeSeconds(notBefore.ToUnixTimeSeconds());

        var writer = new AsnWriter(AsnEncodingRules.DER, 1024);
        using (writer.PushSequence())
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                writer.WriteInteger(2);
            }

            writer.WriteIntegerUnsigned(serial[..16]);
            writer.WriteEncodedValue(_signatureAlgorithm);
            writer.WriteEncodedValue(_intermediateName.RawData);
            using (writer.PushSequence())
            {
                WriteTime(writer, start);
                WriteTime(writer, start.AddDays(90));
            }

            writer.WriteEncodedValue(subject.Build().RawData);
            writer.WriteEncodedValue(_leafSpki);
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3)))
            using (writer.PushSequence())
            {
                foreach (var extension in _leafExtensions)
                {
                    WriteExtension(writer, extension);
                }

                WriteExtension(writer, san.Build());
                if (poison)
                {
                    WriteExtension(writer, new X509Extension(PoisonOid, [0x05, 0x00], critical: true));
                }
            }
        }

        return writer.Encode();
    }

    private static void WriteExtension(AsnWriter writer, X509Extension extension)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(extension.Oid!.Value!);
            if (extension.Critical)
            {
                writer.WriteBoolean(true);
            }

            writer.WriteOctetString(extension.RawData);
        }
    }

    /// <summary>RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.</summary>
    private static void WriteTime(AsnWriter writer, DateTimeOffset time)
    {
        if (time.Year < 2050)
        {
            writer.WriteUtcTime(time);
        }
        else
        {
            writer.WriteGeneralizedTime(time, omitFractionalSeconds: true);
        }
    }

    private static PublicKey Key(string spki) => PublicKey.CreateFromSubjectPublicKeyInfo(Convert.FromBase64String(spki), out _);

    private static byte[] Create(CertificateRequest request, X500DistinguishedName issuer, X509SignatureGenerator signer, DateTimeOffset notBefore, DateTimeOffset notAfter, byte[] serial)
    {
        using var certificate = request.Create(issuer, signer, notBefore, notAfter, serial);
        return certificate.RawData;
    }
}
