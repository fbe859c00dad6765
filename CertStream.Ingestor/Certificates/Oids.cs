namespace CertStream.Ingestor.Certificates;

/// <summary>Content octets (no tag, no length) of the object identifiers the parser looks for.</summary>
internal static class Oids
{
    // Name attributes (X.520, PKCS #9)
    public static ReadOnlySpan<byte> CommonName => [0x55, 0x04, 0x03];
    public static ReadOnlySpan<byte> Country => [0x55, 0x04, 0x06];
    public static ReadOnlySpan<byte> Locality => [0x55, 0x04, 0x07];
    public static ReadOnlySpan<byte> StateOrProvince => [0x55, 0x04, 0x08];
    public static ReadOnlySpan<byte> Organization => [0x55, 0x04, 0x0A];
    public static ReadOnlySpan<byte> OrganizationalUnit => [0x55, 0x04, 0x0B];
    public static ReadOnlySpan<byte> EmailAddress => [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x01];

    // Extensions (RFC 5280 §4.2, RFC 6962 §3.1)
    public static ReadOnlySpan<byte> SubjectKeyIdentifier => [0x55, 0x1D, 0x0E];
    public static ReadOnlySpan<byte> KeyUsage => [0x55, 0x1D, 0x0F];
    public static ReadOnlySpan<byte> SubjectAltName => [0x55, 0x1D, 0x11];
    public static ReadOnlySpan<byte> BasicConstraints => [0x55, 0x1D, 0x13];
    public static ReadOnlySpan<byte> CertificatePolicies => [0x55, 0x1D, 0x20];
    public static ReadOnlySpan<byte> AuthorityKeyIdentifier => [0x55, 0x1D, 0x23];
    public static ReadOnlySpan<byte> ExtendedKeyUsage => [0x55, 0x1D, 0x25];
    public static ReadOnlySpan<byte> AuthorityInfoAccess => [0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];
    public static ReadOnlySpan<byte> CtPoison => [0x2B, 0x06, 0x01, 0x04, 0x01, 0xD6, 0x79, 0x02, 0x04, 0x03];

    // Extended key usages: id-kp (1.3.6.1.5.5.7.3) followed by one byte
    public static ReadOnlySpan<byte> KeyPurposePrefix => [0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03];

    // Signature algorithms
    public static ReadOnlySpan<byte> Pkcs1Prefix => [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01]; // 1.2.840.113549.1.1
    public static ReadOnlySpan<byte> EcdsaWithSha1 => [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01];
    public static ReadOnlySpan<byte> EcdsaWithSha2Prefix => [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03]; // .2 .3 .4
    public static ReadOnlySpan<byte> DsaWithSha1 => [0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x03];
    public static ReadOnlySpan<byte> DsaWithSha256 => [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x02];
    public static ReadOnlySpan<byte> Sha1WithRsaOiw => [0x2B, 0x0E, 0x03, 0x02, 0x1D]; // 1.3.14.3.2.29
    public static ReadOnlySpan<byte> Ed25519 => [0x2B, 0x65, 0x70];

    // Hash algorithms (RSASSA-PSS parameters): 2.16.840.1.101.3.4.2.{1,2,3}
    public static ReadOnlySpan<byte> Sha2Prefix => [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02];
}
