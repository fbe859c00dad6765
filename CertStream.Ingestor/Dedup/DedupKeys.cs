using System.Formats.Asn1;
using System.Security.Cryptography;
using CertStream.Ingestor.Certificates;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Verification;

namespace CertStream.Ingestor.Dedup;

/// <summary>
/// The two identities a certificate is deduplicated by (README, "Deduplicated stream"):
/// <list type="bullet">
/// <item>the certificate key: SHA-256 of the leaf DER shown (the message's <c>sha256</c>, <see cref="Serialization.SerializedCertificate.LeafSha256"/>), the same in every log;</item>
/// <item>the join key: SHA-256 over the TBSCertificate's fields in order, with the extensions listed one by one
/// minus the CT poison (1.3.6.1.4.1.11129.2.4.3) and the SCT list (1.3.6.1.4.1.11129.2.4.2). For a precert
/// entry the TBS is the one the log signed (<see cref="CtLogEntry.PrecertTbs"/>): RFC 6962 has the log take
/// the final issuer and AKI there when a Precertificate Signing Certificate signed it, so that TBS is the
/// final certificate's, minus the SCTs. Hashing the fields, not a re-encoded TBS, needs no DER rebuilding.</item>
/// </list>
/// Limits: a precert entry without a logged TBS (none in practice) is keyed by its pre_certificate's TBS, which
/// differs from the final certificate's when a signing certificate was used; a CA that changes anything else
/// between precert and certificate (it must not, RFC 6962 §3.1) gets two join keys; a leaf that does not
/// decode has no join key and only its certificate key counts.
/// </summary>
internal static class DedupKeys
{
    public const int Length = 32;

    private static ReadOnlySpan<byte> PoisonOid => [0x2B, 0x06, 0x01, 0x04, 0x01, 0xD6, 0x79, 0x02, 0x04, 0x03];
    private static ReadOnlySpan<byte> SctListOid => [0x2B, 0x06, 0x01, 0x04, 0x01, 0xD6, 0x79, 0x02, 0x04, 0x02];
    private static readonly Asn1Tag Extensions = new(TagClass.ContextSpecific, 3, isConstructed: true);

    [ThreadStatic]
    private static IncrementalHash? t_hash;

    /// <summary>Writes the join key; false when the TBS does not decode.</summary>
    public static bool Join(in CtLogEntry entry, Span<byte> key)
    {
        try
        {
            var tbs = entry.Type == CtEntryType.Precert && !entry.PrecertTbs.IsEmpty
                ? entry.PrecertTbs.Span
                : TbsOf(entry.LeafDer.Span);
            return HashTbs(tbs, key);
        }
        catch (Exception e) when (X509CertificateParser.IsMalformed(e))
        {
            return false;
        }
    }

    private static ReadOnlySpan<byte> TbsOf(ReadOnlySpan<byte> certificate)
    {
        var pos = 0;
        var outer = Asn1Element.Read(certificate, ref pos, certificate.Length);
        var inner = outer.ContentStart;
        return Asn1Element.Read(certificate, ref inner, outer.End).Encoded(certificate);
    }

    private static bool HashTbs(ReadOnlySpan<byte> tbs, Span<byte> key)
    {
        var hash = t_hash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var pos = 0;
        var sequence = Asn1Element.Read(tbs, ref pos, tbs.Length);
        if (sequence.Tag != Asn1Tag.Sequence)
        {
            return false;
        }

        var field = sequence.ContentStart;
        while (field < sequence.End)
        {
            var element = Asn1Element.Read(tbs, ref field, sequence.End);
            if (element.Tag != Extensions)
            {
                hash.AppendData(element.Encoded(tbs));
                continue;
            }

            var wrapper = element.ContentStart;
            var list = Asn1Element.Read(tbs, ref wrapper, element.End);
            var at = list.ContentStart;
            while (at < list.End)
            {
                var extension = Asn1Element.Read(tbs, ref at, list.End);
                var oidAt = extension.ContentStart;
                var oid = Asn1Element.Read(tbs, ref oidAt, extension.End).Content(tbs);
                if (!oid.SequenceEqual(PoisonOid) && !oid.SequenceEqual(SctListOid))
                {
                    hash.AppendData(extension.Encoded(tbs));
                }
            }
        }

        return hash.GetHashAndReset(key) == Length;
    }
}
