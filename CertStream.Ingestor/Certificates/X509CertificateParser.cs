using System.Formats.Asn1;
using System.Security.Cryptography;
using CertStream.Ingestor.Ct;

namespace CertStream.Ingestor.Certificates;

/// <summary>
/// A managed, defensive X.509 reader (RFC 5280 §4.1) over <see cref="AsnDecoder"/>. X509Certificate2 is
/// not used: it rejects real certificates (docs/ct-protocols.md §5.1) and costs far more per entry.
/// Only the outer structure must decode (Certificate, TBSCertificate and the TLVs of its fields);
/// each field is then read on its own, so a malformed one is left null/absent instead of losing
/// the certificate. Strings are kept raw and decoded leniently when written.
/// </summary>
public static class X509CertificateParser
{
    public static ParsedCertificate Parse(ReadOnlyMemory<byte> der)
    {
        var certificate = new ParsedCertificate();
        Parse(der, certificate);
        return certificate;
    }

    /// <summary>Parses <paramref name="der"/> into <paramref name="into"/> (reused, reset first).</summary>
    /// <exception cref="CtDecodeException">The bytes are not a certificate at all.</exception>
    public static void Parse(ReadOnlyMemory<byte> der, ParsedCertificate into)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.Reset(der);
        var span = der.Span;

        AsnElement serial, issuer, validity, subject, outerAlgorithm;
        AsnElement? extensions = null;
        AsnElement? version = null;
        try
        {
            var top = AsnCursor.Over(span);
            var certificate = top.Read(UniversalTagNumber.Sequence);
            if (top.HasMore)
            {
                throw new CtDecodeException($"certificate: {span.Length - certificate.End} bytes after the Certificate SEQUENCE");
            }

            var certificateFields = top.Enter(certificate);
            var tbsElement = certificateFields.Read(UniversalTagNumber.Sequence);
            outerAlgorithm = certificateFields.Read(UniversalTagNumber.Sequence);
            _ = certificateFields.Read(UniversalTagNumber.BitString);

            var tbs = certificateFields.Enter(tbsElement);
            if (tbs.PeekIsContext(0))
            {
                version = tbs.Read();
            }

            serial = tbs.Read(UniversalTagNumber.Integer);
            _ = tbs.Read(UniversalTagNumber.Sequence); // TBS signature: the outer one is shown
            issuer = tbs.Read(UniversalTagNumber.Sequence);
            validity = tbs.Read(UniversalTagNumber.Sequence);
            subject = tbs.Read(UniversalTagNumber.Sequence);
            _ = tbs.Read(UniversalTagNumber.Sequence); // SubjectPublicKeyInfo
            while (tbs.HasMore)
            {
                var element = tbs.Read();
                if (element.IsContext(3))
                {
                    extensions = element;
                }
            }
        }
        catch (Exception e) when (IsMalformed(e))
        {
            throw new CtDecodeException($"certificate ({span.Length} bytes) does not decode: {e.Message}", e);
        }

        if (version is { } v)
        {
            into.Version = Field(span, v, ReadVersion);
        }
        else
        {
            into.Version = 1;
        }

        into.SerialNumber = serial.ContentLength > 0 ? der.Slice(serial.ContentStart, serial.ContentLength) : default;
        into.SignatureAlgorithm = Field(span, outerAlgorithm, ReadAlgorithmName) ?? SignatureAlgorithmNames.Unknown;
        ReadName(der, issuer, into.Issuer);
        ReadName(der, subject, into.Subject);
        ReadValidity(span, validity, into);
        if (extensions is { } ext)
        {
            ExtensionReader.ReadAll(der, ext, into.Extensions);
        }
    }

    internal static bool IsMalformed(Exception e) =>
        e is AsnContentException or CryptographicException or ArgumentException or OverflowException or IndexOutOfRangeException;

    private delegate T? FieldReader<T>(ReadOnlySpan<byte> buffer, in AsnElement element);

    private static T? Field<T>(ReadOnlySpan<byte> buffer, in AsnElement element, FieldReader<T> reader)
    {
        try
        {
            return reader(buffer, element);
        }
        catch (Exception e) when (IsMalformed(e))
        {
            return default;
        }
    }

    // [0] EXPLICIT Version ::= INTEGER { v1(0), v2(1), v3(2) }
    private static int? ReadVersion(ReadOnlySpan<byte> buffer, in AsnElement element)
    {
        var outer = new AsnCursor(buffer, element.ContentStart, element.ContentLength);
        var integer = outer.Content(outer.Read(UniversalTagNumber.Integer));
        return integer.Length == 1 && integer[0] < 10 ? integer[0] + 1 : null;
    }

    private static string? ReadAlgorithmName(ReadOnlySpan<byte> buffer, in AsnElement element)
    {
        var fields = new AsnCursor(buffer, element.ContentStart, element.ContentLength);
        var oid = fields.Read(UniversalTagNumber.ObjectIdentifier);
        var parameters = buffer[oid.End..(element.ContentStart + element.ContentLength)];
        return SignatureAlgorithmNames.FromOid(fields.Content(oid), parameters);
    }

    private static void ReadValidity(ReadOnlySpan<byte> buffer, in AsnElement element, ParsedCertificate into)
    {
        try
        {
            var fields = new AsnCursor(buffer, element.ContentStart, element.ContentLength);
            into.NotBefore = ReadTime(buffer, fields.Read());
            into.NotAfter = ReadTime(buffer, fields.Read());
        }
        catch (Exception e) when (IsMalformed(e))
        {
            // A date that did not decode stays null; one that did is kept.
        }
    }

    private static long? ReadTime(ReadOnlySpan<byte> buffer, in AsnElement element)
    {
        var text = buffer.Slice(element.ContentStart, element.ContentLength);
        long seconds;
        if (element.Is(UniversalTagNumber.UtcTime))
        {
            return AsnTime.TryParseUtcTime(text, out seconds) ? seconds : null;
        }

        if (element.Is(UniversalTagNumber.GeneralizedTime))
        {
            return AsnTime.TryParseGeneralizedTime(text, out seconds) ? seconds : null;
        }

        return null;
    }

    // Name ::= SEQUENCE OF RelativeDistinguishedName; RDN ::= SET OF AttributeTypeAndValue;
    // AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY }
    private static void ReadName(ReadOnlyMemory<byte> der, in AsnElement element, DistinguishedName into)
    {
        var buffer = der.Span;
        try
        {
            var rdns = new AsnCursor(buffer, element.ContentStart, element.ContentLength);
            while (rdns.HasMore)
            {
                var rdn = rdns.Read(UniversalTagNumber.SetOf);
                var attributes = rdns.Enter(rdn);
                while (attributes.HasMore)
                {
                    var attribute = attributes.Read(UniversalTagNumber.Sequence);
                    var fields = attributes.Enter(attribute);
                    var type = fields.Content(fields.Read(UniversalTagNumber.ObjectIdentifier));
                    var value = fields.Read();
                    if (!TryMapAttribute(type, out var name))
                    {
                        continue;
                    }

                    // Constructed (BER-segmented) strings and non-string values are skipped.
                    if (value.Tag.IsConstructed || value.Tag.TagClass != TagClass.Universal)
                    {
                        continue;
                    }

                    into.Items.Add(new NameValue(name, (UniversalTagNumber)value.Tag.TagValue, der.Slice(value.ContentStart, value.ContentLength)));
                }
            }

            into.IsValid = true;
        }
        catch (Exception e) when (IsMalformed(e))
        {
            into.Reset();
        }
    }

    private static bool TryMapAttribute(ReadOnlySpan<byte> oid, out NameAttribute attribute)
    {
        // id-at (2.5.4) attributes are three bytes 55 04 xx.
        if (oid.Length == 3 && oid[0] == 0x55 && oid[1] == 0x04)
        {
            attribute = oid[2] switch
            {
                0x06 => NameAttribute.C,
                0x03 => NameAttribute.CN,
                0x07 => NameAttribute.L,
                0x0A => NameAttribute.O,
                0x0B => NameAttribute.OU,
                0x08 => NameAttribute.ST,
                _ => (NameAttribute)(-1),
            };
            return attribute >= 0;
        }

        attribute = NameAttribute.EmailAddress;
        return oid.SequenceEqual(Oids.EmailAddress);
    }
}
