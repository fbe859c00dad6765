using System.Formats.Asn1;

namespace CertStream.Ingestor.Certificates;

/// <summary>
/// Reads the extensions of docs/wire-format.md (RFC 5280 §4.2, RFC 6962 §3.1). Each extension value is
/// decoded on its own: a malformed one is left absent and the rest still count.
/// </summary>
internal static class ExtensionReader
{
    // [3] EXPLICIT Extensions; Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    public static void ReadAll(ReadOnlyMemory<byte> der, in AsnElement explicitTag, CertificateExtensions into)
    {
        var buffer = der.Span;
        AsnCursor list;
        try
        {
            var wrapper = new AsnCursor(buffer, explicitTag.ContentStart, explicitTag.ContentLength);
            var sequence = wrapper.Read(UniversalTagNumber.Sequence);
            list = wrapper.Enter(sequence);
        }
        catch (Exception e) when (X509CertificateParser.IsMalformed(e))
        {
            return;
        }

        while (true)
        {
            AsnElement value;
            ReadOnlySpan<byte> oid;
            try
            {
                if (!list.HasMore)
                {
                    return;
                }

                var extension = list.Read(UniversalTagNumber.Sequence);
                var fields = list.Enter(extension);
                oid = fields.Content(fields.Read(UniversalTagNumber.ObjectIdentifier));
                value = fields.Read();
                if (value.Is(UniversalTagNumber.Boolean))
                {
                    value = fields.Read();
                }

                if (!value.Is(UniversalTagNumber.OctetString) || value.Tag.IsConstructed)
                {
                    continue;
                }
            }
            catch (Exception e) when (X509CertificateParser.IsMalformed(e))
            {
                return; // the list itself is broken: keep what was read before
            }

            try
            {
                ReadOne(der, oid, value, into);
            }
            catch (Exception e) when (X509CertificateParser.IsMalformed(e))
            {
                // This extension stays absent; ReadOne sets its Has… flag only after a full decode.
            }
        }
    }

    private static void ReadOne(ReadOnlyMemory<byte> der, ReadOnlySpan<byte> oid, in AsnElement value, CertificateExtensions into)
    {
        var buffer = der.Span;
        var content = new AsnCursor(buffer, value.ContentStart, value.ContentLength);
        if (oid.Length == 3 && oid[0] == 0x55 && oid[1] == 0x1D)
        {
            switch (oid[2])
            {
                case 0x13 when !into.HasBasicConstraints:
                    into.IsCa = ReadBasicConstraints(ref content);
                    into.HasBasicConstraints = true;
                    break;
                case 0x0F when !into.HasKeyUsage:
                    into.KeyUsage = ReadKeyUsage(ref content);
                    into.HasKeyUsage = true;
                    break;
                case 0x0E when !into.HasSubjectKeyIdentifier:
                    var ski = content.Read(UniversalTagNumber.OctetString);
                    into.SubjectKeyIdentifier = der.Slice(ski.ContentStart, ski.ContentLength);
                    into.HasSubjectKeyIdentifier = true;
                    break;
                case 0x23 when !into.HasAuthorityKeyIdentifier:
                    ReadAuthorityKeyIdentifier(der, ref content, into);
                    break;
                case 0x25 when !into.HasExtendedKeyUsage:
                    ReadOidList(der, ref content, into.EkuOids, policies: false);
                    into.HasExtendedKeyUsage = true;
                    break;
                case 0x11 when !into.HasSubjectAltName:
                    ReadGeneralNames(der, ref content, into.SanNames);
                    into.HasSubjectAltName = true;
                    break;
                case 0x20 when !into.HasCertificatePolicies:
                    ReadOidList(der, ref content, into.PolicyOids, policies: true);
                    into.HasCertificatePolicies = true;
                    break;
            }

            return;
        }

        if (oid.SequenceEqual(Oids.AuthorityInfoAccess) && !into.HasAuthorityInfoAccess)
        {
            ReadAuthorityInfoAccess(der, ref content, into.AiaUris);
            into.HasAuthorityInfoAccess = true;
        }
        else if (oid.SequenceEqual(Oids.CtPoison))
        {
            // The value MUST be NULL (RFC 6962 §3.1); its presence is what matters.
            into.HasCtPoison = true;
        }
    }

    // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
    private static bool ReadBasicConstraints(ref AsnCursor content)
    {
        var sequence = content.Read(UniversalTagNumber.Sequence);
        var fields = content.Enter(sequence);
        if (!fields.HasMore)
        {
            return false;
        }

        var first = fields.Read();
        if (!first.Is(UniversalTagNumber.Boolean))
        {
            return false;
        }

        var value = fields.Content(first);
        if (value.Length != 1)
        {
            throw new AsnContentException("BOOLEAN of length " + value.Length);
        }

        return value[0] != 0; // BER: any non-zero octet is TRUE
    }

    // KeyUsage ::= BIT STRING; read leniently (DER's unused-bits-are-zero rule is not enforced).
    private static KeyUsageFlags ReadKeyUsage(ref AsnCursor content)
    {
        var element = content.Read(UniversalTagNumber.BitString);
        if (element.Tag.IsConstructed)
        {
            throw new AsnContentException("constructed BIT STRING");
        }

        var bits = content.Content(element);
        if (bits.IsEmpty || bits[0] > 7)
        {
            throw new AsnContentException("BIT STRING without a valid unused-bits octet");
        }

        var flags = 0;
        for (var bit = 0; bit < 9; bit++)
        {
            var index = 1 + (bit / 8);
            if (index < bits.Length && (bits[index] & (0x80 >> (bit % 8))) != 0)
            {
                flags |= 1 << bit;
            }
        }

        return (KeyUsageFlags)flags;
    }

    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, … }
    // Without a keyIdentifier there is nothing for the "keyid:" form, so the extension stays absent.
    private static void ReadAuthorityKeyIdentifier(ReadOnlyMemory<byte> der, ref AsnCursor content, CertificateExtensions into)
    {
        var sequence = content.Read(UniversalTagNumber.Sequence);
        var fields = content.Enter(sequence);
        while (fields.HasMore)
        {
            var element = fields.Read();
            if (element.IsContext(0) && !element.Tag.IsConstructed)
            {
                into.AuthorityKeyIdentifier = der.Slice(element.ContentStart, element.ContentLength);
                into.HasAuthorityKeyIdentifier = true;
                return;
            }
        }
    }

    // ExtKeyUsageSyntax ::= SEQUENCE OF KeyPurposeId (OID)
    // certificatePolicies ::= SEQUENCE OF PolicyInformation { policyIdentifier OID, qualifiers … }
    private static void ReadOidList(ReadOnlyMemory<byte> der, ref AsnCursor content, List<ReadOnlyMemory<byte>> into, bool policies)
    {
        var start = into.Count;
        try
        {
            var sequence = content.Read(UniversalTagNumber.Sequence);
            var items = content.Enter(sequence);
            Span<byte> scratch = stackalloc byte[64];
            while (items.HasMore)
            {
                var item = items.Read();
                if (policies)
                {
                    if (!item.Is(UniversalTagNumber.Sequence))
                    {
                        throw new AsnContentException("PolicyInformation is not a SEQUENCE");
                    }

                    var policy = items.Enter(item);
                    item = policy.Read();
                }

                if (!item.Is(UniversalTagNumber.ObjectIdentifier))
                {
                    throw new AsnContentException("expected an OBJECT IDENTIFIER");
                }

                var oid = der.Slice(item.ContentStart, item.ContentLength);
                var text = oid.Length <= 15 ? scratch : new byte[CertificateText.MaxOidTextLength(oid.Length)];
                if (!CertificateText.TryFormatOid(oid.Span, text, out _))
                {
                    throw new AsnContentException("invalid OBJECT IDENTIFIER");
                }

                into.Add(oid);
            }
        }
        catch
        {
            into.RemoveRange(start, into.Count - start);
            throw;
        }
    }

    // GeneralNames ::= SEQUENCE OF GeneralName (IMPLICIT tags: [1] rfc822Name, [2] dNSName, [6] URI, [7] iPAddress)
    private static void ReadGeneralNames(ReadOnlyMemory<byte> der, ref AsnCursor content, List<GeneralNameValue> into)
    {
        var start = into.Count;
        try
        {
            var sequence = content.Read(UniversalTagNumber.Sequence);
            var names = content.Enter(sequence);
            while (names.HasMore)
            {
                var name = names.Read();
                if (name.Tag.TagClass != TagClass.ContextSpecific || name.Tag.IsConstructed)
                {
                    continue; // otherName, directoryName …: not shown
                }

                switch (name.Tag.TagValue)
                {
                    case (int)GeneralNameKind.Email:
                    case (int)GeneralNameKind.Dns:
                    case (int)GeneralNameKind.Uri:
                    case (int)GeneralNameKind.IPAddress:
                        into.Add(new GeneralNameValue((GeneralNameKind)name.Tag.TagValue, der.Slice(name.ContentStart, name.ContentLength)));
                        break;
                }
            }
        }
        catch
        {
            into.RemoveRange(start, into.Count - start);
            throw;
        }
    }

    // AuthorityInfoAccessSyntax ::= SEQUENCE OF AccessDescription { accessMethod OID, accessLocation GeneralName }
    private static void ReadAuthorityInfoAccess(ReadOnlyMemory<byte> der, ref AsnCursor content, List<ReadOnlyMemory<byte>> into)
    {
        var start = into.Count;
        try
        {
            var sequence = content.Read(UniversalTagNumber.Sequence);
            var descriptions = content.Enter(sequence);
            while (descriptions.HasMore)
            {
                var description = descriptions.Read(UniversalTagNumber.Sequence);
                var fields = descriptions.Enter(description);
                _ = fields.Read(UniversalTagNumber.ObjectIdentifier);
                var location = fields.Read();
                if (location.IsContext((int)GeneralNameKind.Uri) && !location.Tag.IsConstructed)
                {
                    into.Add(der.Slice(location.ContentStart, location.ContentLength));
                }
            }
        }
        catch
        {
            into.RemoveRange(start, into.Count - start);
            throw;
        }
    }
}
