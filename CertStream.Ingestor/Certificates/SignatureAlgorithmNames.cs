using System.Formats.Asn1;

namespace CertStream.Ingestor.Certificates;

/// <summary>
/// <c>signature_algorithm</c> strings of docs/wire-format.md. They are certstream-server-go's names
/// ("sha256, rsa", "ecdsa, sha256", …), so the algorithms the spec does not list (md5, dsa, sha512)
/// get the name that server gives them.
/// </summary>
public static class SignatureAlgorithmNames
{
    public const string Unknown = "unknown";

    /// <summary>Names the algorithm from the OID content octets and the DER parameters (may be empty).</summary>
    internal static string FromOid(ReadOnlySpan<byte> oid, ReadOnlySpan<byte> parameters)
    {
        if (oid.Length == Oids.Pkcs1Prefix.Length + 1 && oid.StartsWith(Oids.Pkcs1Prefix))
        {
            return oid[^1] switch
            {
                0x02 => "md2, rsa",
                0x04 => "md5, rsa",
                0x05 => "sha1, rsa",
                0x0B => "sha256, rsa",
                0x0C => "sha384, rsa",
                0x0D => "sha512, rsa",
                0x0A => RsaPss(parameters),
                _ => Unknown,
            };
        }

        if (oid.Length == Oids.EcdsaWithSha2Prefix.Length + 1 && oid.StartsWith(Oids.EcdsaWithSha2Prefix))
        {
            return oid[^1] switch
            {
                0x02 => "ecdsa, sha256",
                0x03 => "ecdsa, sha384",
                0x04 => "ecdsa, sha512",
                _ => Unknown,
            };
        }

        if (oid.SequenceEqual(Oids.EcdsaWithSha1))
        {
            return "ecdsa, sha1";
        }

        if (oid.SequenceEqual(Oids.Ed25519))
        {
            return "ed25519";
        }

        if (oid.SequenceEqual(Oids.Sha1WithRsaOiw))
        {
            return "sha1, rsa";
        }

        if (oid.SequenceEqual(Oids.DsaWithSha1))
        {
            return "dsa, sha1";
        }

        return oid.SequenceEqual(Oids.DsaWithSha256) ? "dsa, sha256" : Unknown;
    }

    // RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] AlgorithmIdentifier DEFAULT sha1, … } (RFC 4055).
    // Like Go, only SHA-2 hashes are named; the SHA-1 default is "unknown".
    private static string RsaPss(ReadOnlySpan<byte> parameters)
    {
        try
        {
            var outer = AsnCursor.Over(parameters);
            var sequence = outer.Read(UniversalTagNumber.Sequence);
            var fields = outer.Enter(sequence);
            if (!fields.PeekIsContext(0))
            {
                return Unknown;
            }

            var explicitHash = fields.Read();
            var hashWrapper = fields.Enter(explicitHash);
            var algorithm = hashWrapper.Read(UniversalTagNumber.Sequence);
            var algorithmFields = hashWrapper.Enter(algorithm);
            var hashOid = algorithmFields.Content(algorithmFields.Read(UniversalTagNumber.ObjectIdentifier));
            if (hashOid.Length != Oids.Sha2Prefix.Length + 1 || !hashOid.StartsWith(Oids.Sha2Prefix))
            {
                return Unknown;
            }

            return hashOid[^1] switch
            {
                0x01 => "sha256, rsa-pss",
                0x02 => "sha384, rsa-pss",
                0x03 => "sha512, rsa-pss",
                _ => Unknown,
            };
        }
        catch (AsnContentException)
        {
            return Unknown;
        }
    }
}
