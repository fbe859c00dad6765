using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertStream.CtLogSimulator.Entries;

/// <summary>
/// Generates the certificates of entries beyond the recorded ones: a fixed two-level CA
/// (root, intermediate) and one leaf per (log, index) with CN/SAN <c>n{index}.{log}.sim.certstream.test</c>.
/// The output depends only on its inputs (fixed public keys, placeholder signatures), so an entry
/// evicted from a cache is generated again byte for byte.
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

    private readonly PublicKey _leafKey;
    private readonly X509SubjectKeyIdentifierExtension _leafSki;
    private readonly X500DistinguishedName _intermediateName;
    private readonly PlaceholderSignatureGenerator _intermediateSigner;
    private readonly X509AuthorityKeyIdentifierExtension _intermediateAki;

    public static CertificateFactory Shared { get; } = new();

    private CertificateFactory()
    {
        var rootKey = Key(RootSpki);
        var intermediateKey = Key(IntermediateSpki);
        _leafKey = Key(LeafSpki);
        _leafSki = new X509SubjectKeyIdentifierExtension(_leafKey, false);

        var rootName = new X500DistinguishedName("CN=CertStream Simulator Root, O=CertStream Simulator, C=ZZ");
        var rootSigner = new PlaceholderSignatureGenerator(rootKey);
        var rootSki = new X509SubjectKeyIdentifierExtension(rootKey, false);
        var root = new CertificateRequest(rootName, rootKey, HashAlgorithmName.SHA256);
        root.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        root.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        root.CertificateExtensions.Add(rootSki);
        RootDer = Create(root, rootName, rootSigner, CaNotBefore, CaNotBefore.AddYears(25), [0x01]);

        _intermediateName = new X500DistinguishedName("CN=CertStream Simulator Issuing CA, O=CertStream Simulator, C=ZZ");
        _intermediateSigner = new PlaceholderSignatureGenerator(intermediateKey);
        var intermediateSki = new X509SubjectKeyIdentifierExtension(intermediateKey, false);
        var intermediate = new CertificateRequest(_intermediateName, intermediateKey, HashAlgorithmName.SHA256);
        intermediate.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediate.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        intermediate.CertificateExtensions.Add(intermediateSki);
        intermediate.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(rootSki));
        IntermediateDer = Create(intermediate, rootName, rootSigner, CaNotBefore, CaNotBefore.AddYears(20), [0x02]);
        _intermediateAki = X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(intermediateSki);

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

    /// <summary>The leaf certificate; with <paramref name="precertificate"/>, the precertificate (critical poison extension).</summary>
    public byte[] CreateLeaf(string logName, long index, DateTimeOffset notBefore, bool precertificate)
    {
        var dns = DnsName(logName, index);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + dns), _leafKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dns);
        san.AddDnsName("www." + dns);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(_leafSki);
        request.CertificateExtensions.Add(_intermediateAki);
        if (precertificate)
        {
            request.CertificateExtensions.Add(new X509Extension(PoisonOid, [0x05, 0x00], critical: true));
        }

        // Positive 16-byte serial, unique per (log, index).
        var serial = SHA256.HashData(Encoding.UTF8.GetBytes(dns)).AsSpan(0, 16).ToArray();
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        var notBeforeSeconds = DateTimeOffset.FromUnixTimeSeconds(notBefore.ToUnixTimeSeconds());
        return Create(request, _intermediateName, _intermediateSigner, notBeforeSeconds, notBeforeSeconds.AddDays(90), serial);
    }

    /// <summary>The DER TBSCertificate of a certificate (the first element of its SEQUENCE).</summary>
    public static byte[] TbsOf(byte[] certificateDer)
    {
        var certificate = new AsnReader(certificateDer, AsnEncodingRules.DER).ReadSequence();
        return certificate.ReadEncodedValue().ToArray();
    }

    private static PublicKey Key(string spki) => PublicKey.CreateFromSubjectPublicKeyInfo(Convert.FromBase64String(spki), out _);

    private static byte[] Create(CertificateRequest request, X500DistinguishedName issuer, X509SignatureGenerator signer, DateTimeOffset notBefore, DateTimeOffset notAfter, byte[] serial)
    {
        using var certificate = request.Create(issuer, signer, notBefore, notAfter, serial);
        return certificate.RawData;
    }
}
