using System.Formats.Asn1;
using CertStream.Ingestor.Certificates;
using CertStream.Ingestor.Ct;

namespace CertStream.Ingestor.Verification;

/// <summary>
/// Checks that a precert entry's <c>pre_certificate</c> (extra_data or TileLeaf, covered by no hash) is the
/// precertificate whose TBS the log signed (RFC 6962 §3.2, docs/ct-protocols.md §1.5): the logged TBS must be
/// the pre-certificate's TBS without the poison extension and, when chain[0] is a Precertificate Signing
/// Certificate (EKU 1.3.6.1.4.1.11129.2.4.4), with the issuer and the AuthorityKeyIdentifier value taken from
/// that signing certificate. Compared field by field without rebuilding the TBS: no allocation per entry.
/// </summary>
public static class PrecertTbs
{
    private static ReadOnlySpan<byte> PoisonOid => [0x2B, 0x06, 0x01, 0x04, 0x01, 0xD6, 0x79, 0x02, 0x04, 0x03];
    private static ReadOnlySpan<byte> PrecertSigningEkuOid => [0x2B, 0x06, 0x01, 0x04, 0x01, 0xD6, 0x79, 0x02, 0x04, 0x04];
    private static ReadOnlySpan<byte> AuthorityKeyIdOid => [0x55, 0x1D, 0x23];
    private static ReadOnlySpan<byte> ExtendedKeyUsageOid => [0x55, 0x1D, 0x25];

    private static readonly Asn1Tag Extensions = new(TagClass.ContextSpecific, 3, isConstructed: true);
    private static readonly Asn1Tag Version = new(TagClass.ContextSpecific, 0, isConstructed: true);

    /// <summary>
    /// True when <paramref name="loggedTbs"/> (PreCert.tbs_certificate) is what <paramref name="preCertificate"/>
    /// becomes under RFC 6962 §3.2; <paramref name="issuer"/> is chain[0] (empty when the chain is empty).
    /// Anything that does not decode is a mismatch.
    /// </summary>
    public static bool Matches(ReadOnlySpan<byte> loggedTbs, ReadOnlySpan<byte> preCertificate, ReadOnlySpan<byte> issuer)
    {
        try
        {
            var pos = 0;
            var certificate = Asn1Element.Read(preCertificate, ref pos, preCertificate.Length);
            var inner = certificate.ContentStart;
            var tbs = Asn1Element.Read(preCertificate, ref inner, certificate.End);
            var precertTbs = tbs.Encoded(preCertificate);
            if (Compare(loggedTbs, precertTbs, default))
            {
                return true;
            }

            // Only then is the issuer looked at: a signing certificate is rare (docs/ct-protocols.md §1.5).
            return !issuer.IsEmpty && Signer.TryRead(issuer, out var signer) && Compare(loggedTbs, precertTbs, signer);
        }
        catch (Exception e) when (X509CertificateParser.IsMalformed(e))
        {
            return false;
        }
    }

    /// <summary>
    /// A Certificate that carries <paramref name="tbs"/> (the logged TBS) so that it can be shown like any leaf:
    /// the TBS's own signature algorithm and an empty signature, since the log holds no signature for it.
    /// </summary>
    /// <exception cref="CtDecodeException">The TBS is not a TBSCertificate.</exception>
    public static byte[] WrapAsCertificate(ReadOnlySpan<byte> tbs)
    {
        try
        {
            var pos = 0;
            var sequence = Asn1Element.Read(tbs, ref pos, tbs.Length);
            if (pos != tbs.Length || sequence.Tag != Asn1Tag.Sequence)
            {
                throw new CtDecodeException("the logged TBS is not one SEQUENCE");
            }

            var field = sequence.ContentStart;
            var first = Asn1Element.Read(tbs, ref field, sequence.End);
            if (first.Tag == Version)
            {
                _ = Asn1Element.Read(tbs, ref field, sequence.End); // serial
            }

            var algorithm = Asn1Element.Read(tbs, ref field, sequence.End);
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writer.WriteEncodedValue(tbs);
                writer.WriteEncodedValue(algorithm.Encoded(tbs));
                writer.WriteBitString([]);
            }

            return writer.Encode();
        }
        catch (Exception e) when (X509CertificateParser.IsMalformed(e))
        {
            throw new CtDecodeException($"the logged TBS does not decode: {e.Message}", e);
        }
    }

    private static bool Compare(ReadOnlySpan<byte> logged, ReadOnlySpan<byte> precert, in Signer signer)
    {
        var lp = 0;
        var loggedSequence = Asn1Element.Read(logged, ref lp, logged.Length);
        if (lp != logged.Length || loggedSequence.Tag != Asn1Tag.Sequence)
        {
            return false;
        }

        var pp = 0;
        var precertSequence = Asn1Element.Read(precert, ref pp, precert.Length);
        var li = loggedSequence.ContentStart;
        var pi = precertSequence.ContentStart;
        var fieldsAfterVersion = 0;
        var extensionsSeen = false;
        while (pi < precertSequence.End)
        {
            var p = Asn1Element.Read(precert, ref pi, precertSequence.End);
            if (p.Tag == Extensions)
            {
                extensionsSeen = true;
                var loggedExtensions = default(Asn1Element?);
                if (li < loggedSequence.End)
                {
                    var l = Asn1Element.Read(logged, ref li, loggedSequence.End);
                    if (l.Tag != Extensions)
                    {
                        return false;
                    }

                    loggedExtensions = l;
                }

                if (!CompareExtensions(logged, loggedExtensions, precert, p, signer))
                {
                    return false;
                }

                continue;
            }

            if (li >= loggedSequence.End)
            {
                return false;
            }

            var leaf = Asn1Element.Read(logged, ref li, loggedSequence.End);
            var isIssuer = p.Tag != Version && fieldsAfterVersion++ == 2;
            var expected = isIssuer && signer.Present ? signer.Issuer : p.Encoded(precert);
            if (!leaf.Encoded(logged).SequenceEqual(expected))
            {
                return false;
            }
        }

        // A precert has at least the poison extension; without extensions it is no precert.
        return extensionsSeen && li == loggedSequence.End;
    }

    /// <summary>The precert's extensions minus the poison (AKI rewritten for a signing certificate) against the logged ones, in order.</summary>
    private static bool CompareExtensions(ReadOnlySpan<byte> logged, Asn1Element? loggedWrapper, ReadOnlySpan<byte> precert, Asn1Element precertWrapper,
        in Signer signer)
    {
        var pw = precertWrapper.ContentStart;
        var precertList = Asn1Element.Read(precert, ref pw, precertWrapper.End);
        var li = 0;
        var lend = 0;
        if (loggedWrapper is { } wrapper)
        {
            var lw = wrapper.ContentStart;
            var loggedList = Asn1Element.Read(logged, ref lw, wrapper.End);
            li = loggedList.ContentStart;
            lend = loggedList.End;
        }

        var sawAuthorityKeyId = false;
        var pi = precertList.ContentStart;
        while (pi < precertList.End)
        {
            var extension = Asn1Element.Read(precert, ref pi, precertList.End);
            var oid = ExtensionParts(precert, extension, out _);
            if (oid.SequenceEqual(PoisonOid))
            {
                continue;
            }

            if (signer.Present && oid.SequenceEqual(AuthorityKeyIdOid))
            {
                sawAuthorityKeyId = true;
                if (signer.HasAuthorityKeyId && !NextIsAuthorityKeyId(logged, ref li, lend, signer.AuthorityKeyId))
                {
                    return false;
                }

                continue;
            }

            if (li >= lend || !Asn1Element.Read(logged, ref li, lend).Encoded(logged).SequenceEqual(extension.Encoded(precert)))
            {
                return false;
            }
        }

        if (signer.Present && !sawAuthorityKeyId && signer.HasAuthorityKeyId && !NextIsAuthorityKeyId(logged, ref li, lend, signer.AuthorityKeyId))
        {
            return false;
        }

        return li == lend;
    }

    private static bool NextIsAuthorityKeyId(ReadOnlySpan<byte> logged, ref int position, int end, ReadOnlySpan<byte> value)
    {
        if (position >= end)
        {
            return false;
        }

        var extension = Asn1Element.Read(logged, ref position, end);
        return ExtensionParts(logged, extension, out var loggedValue).SequenceEqual(AuthorityKeyIdOid) && loggedValue.SequenceEqual(value);
    }

    /// <summary>Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }: the OID and value contents.</summary>
    private static ReadOnlySpan<byte> ExtensionParts(ReadOnlySpan<byte> buffer, Asn1Element extension, out ReadOnlySpan<byte> value)
    {
        var pos = extension.ContentStart;
        var oid = Asn1Element.Read(buffer, ref pos, extension.End);
        var next = Asn1Element.Read(buffer, ref pos, extension.End);
        if (next.Tag == Asn1Tag.Boolean)
        {
            next = Asn1Element.Read(buffer, ref pos, extension.End);
        }

        value = next.Content(buffer);
        return oid.Content(buffer);
    }

    /// <summary>What a Precertificate Signing Certificate contributes to the logged TBS: its issuer and its AKI value.</summary>
    private readonly ref struct Signer
    {
        public bool Present { get; init; }

        public ReadOnlySpan<byte> Issuer { get; init; }

        public bool HasAuthorityKeyId { get; init; }

        public ReadOnlySpan<byte> AuthorityKeyId { get; init; }

        public static bool TryRead(ReadOnlySpan<byte> certificate, out Signer signer)
        {
            signer = default;
            var pos = 0;
            var outer = Asn1Element.Read(certificate, ref pos, certificate.Length);
            var inner = outer.ContentStart;
            var tbs = Asn1Element.Read(certificate, ref inner, outer.End);
            var field = tbs.ContentStart;
            var fieldsAfterVersion = 0;
            ReadOnlySpan<byte> issuer = default;
            ReadOnlySpan<byte> authorityKeyId = default;
            var hasAuthorityKeyId = false;
            var isSigner = false;
            while (field < tbs.End)
            {
                var element = Asn1Element.Read(certificate, ref field, tbs.End);
                if (element.Tag == Version)
                {
                    continue;
                }

                if (fieldsAfterVersion++ == 2)
                {
                    issuer = element.Encoded(certificate);
                }

                if (element.Tag != Extensions)
                {
                    continue;
                }

                var wrapper = element.ContentStart;
                var list = Asn1Element.Read(certificate, ref wrapper, element.End);
                for (var e = list.ContentStart; e < list.End;)
                {
                    var extension = Asn1Element.Read(certificate, ref e, list.End);
                    var oid = ExtensionParts(certificate, extension, out var value);
                    if (oid.SequenceEqual(AuthorityKeyIdOid))
                    {
                        hasAuthorityKeyId = true;
                        authorityKeyId = value;
                    }
                    else if (oid.SequenceEqual(ExtendedKeyUsageOid))
                    {
                        isSigner = HasPrecertSigningEku(value);
                    }
                }
            }

            if (!isSigner || issuer.IsEmpty)
            {
                return false;
            }

            signer = new Signer { Present = true, Issuer = issuer, HasAuthorityKeyId = hasAuthorityKeyId, AuthorityKeyId = authorityKeyId };
            return true;
        }

        private static bool HasPrecertSigningEku(ReadOnlySpan<byte> value)
        {
            var pos = 0;
            var sequence = Asn1Element.Read(value, ref pos, value.Length);
            for (var i = sequence.ContentStart; i < sequence.End;)
            {
                if (Asn1Element.Read(value, ref i, sequence.End).Content(value).SequenceEqual(PrecertSigningEkuOid))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
