namespace CertStream.Ingestor.Certificates;

/// <summary>keyUsage bits (RFC 5280 §4.2.1.3), bit n of the BIT STRING = 1 &lt;&lt; n.</summary>
[Flags]
public enum KeyUsageFlags
{
    None = 0,
    DigitalSignature = 1 << 0,
    ContentCommitment = 1 << 1,
    KeyEncipherment = 1 << 2,
    DataEncipherment = 1 << 3,
    KeyAgreement = 1 << 4,
    KeyCertSign = 1 << 5,
    CrlSign = 1 << 6,
    EncipherOnly = 1 << 7,
    DecipherOnly = 1 << 8,
}

/// <summary>The GeneralName choices that the wire format prints (others are skipped).</summary>
public enum GeneralNameKind
{
    Email = 1,
    Dns = 2,
    Uri = 6,
    IPAddress = 7,
}

/// <summary>A GeneralName: its choice and raw content octets (IA5String text, or address bytes).</summary>
public readonly record struct GeneralNameValue(GeneralNameKind Kind, ReadOnlyMemory<byte> Raw);

/// <summary>
/// The extensions the wire format shows. Each <c>Has…</c> is true only when the extension is present
/// and decoded; one that is malformed stays false (absent from the output) without affecting the others.
/// When an extension occurs twice, the first decodable one wins.
/// </summary>
public sealed class CertificateExtensions
{
    internal readonly List<ReadOnlyMemory<byte>> AiaUris = new(4);
    internal readonly List<ReadOnlyMemory<byte>> EkuOids = new(4);
    internal readonly List<GeneralNameValue> SanNames = new(8);
    internal readonly List<ReadOnlyMemory<byte>> PolicyOids = new(4);

    public bool HasBasicConstraints { get; internal set; }

    /// <summary>basicConstraints cA (false when the extension is absent).</summary>
    public bool IsCa { get; internal set; }

    public bool HasKeyUsage { get; internal set; }

    public KeyUsageFlags KeyUsage { get; internal set; }

    public bool HasAuthorityKeyIdentifier { get; internal set; }

    /// <summary>The keyIdentifier [0] of authorityKeyIdentifier.</summary>
    public ReadOnlyMemory<byte> AuthorityKeyIdentifier { get; internal set; }

    public bool HasSubjectKeyIdentifier { get; internal set; }

    public ReadOnlyMemory<byte> SubjectKeyIdentifier { get; internal set; }

    public bool HasAuthorityInfoAccess { get; internal set; }

    /// <summary>The URI access locations of authorityInfoAccess, in certificate order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> AuthorityInfoAccessUris => AiaUris;

    public bool HasExtendedKeyUsage { get; internal set; }

    /// <summary>Content octets of each KeyPurposeId OID, in certificate order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> ExtendedKeyUsages => EkuOids;

    public bool HasSubjectAltName { get; internal set; }

    /// <summary>dNSName, rfc822Name, URI and iPAddress entries, in certificate order.</summary>
    public IReadOnlyList<GeneralNameValue> SubjectAltNames => SanNames;

    public bool HasCertificatePolicies { get; internal set; }

    /// <summary>Content octets of each policyIdentifier OID, in certificate order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> CertificatePolicies => PolicyOids;

    /// <summary>The RFC 6962 poison extension (1.3.6.1.4.1.11129.2.4.3): this is a precertificate.</summary>
    public bool HasCtPoison { get; internal set; }

    internal void Reset()
    {
        AiaUris.Clear();
        EkuOids.Clear();
        SanNames.Clear();
        PolicyOids.Clear();
        HasBasicConstraints = IsCa = HasKeyUsage = HasAuthorityKeyIdentifier = HasSubjectKeyIdentifier = false;
        HasAuthorityInfoAccess = HasExtendedKeyUsage = HasSubjectAltName = HasCertificatePolicies = HasCtPoison = false;
        KeyUsage = KeyUsageFlags.None;
        AuthorityKeyIdentifier = SubjectKeyIdentifier = default;
    }
}
