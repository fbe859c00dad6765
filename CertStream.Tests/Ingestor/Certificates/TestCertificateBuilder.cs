using System.Formats.Asn1;

namespace CertStream.Tests.Ingestor.Certificates;

/// <summary>
/// Hand-assembles certificate DER with AsnWriter so that tests control every byte: string types
/// (T61String, BMPString …), invalid UTF-8, odd times, odd serials, any extension bytes. The
/// signature is not a real one: the parser under test does not verify signatures.
/// </summary>
internal sealed class TestCertificateBuilder
{
    private readonly List<(string Oid, UniversalTagNumber Type, byte[] Value)> _subject = [];
    private readonly List<(string Oid, bool Critical, byte[] Value)> _extensions = [];

    public byte[] SerialContent { get; set; } = [0x01, 0x02];

    public byte[] NotBefore { get; set; } = Time(UniversalTagNumber.UtcTime, "250101000000Z");

    public byte[] NotAfter { get; set; } = Time(UniversalTagNumber.UtcTime, "260101000000Z");

    public string SignatureOid { get; set; } = "1.2.840.10045.4.3.2";

    public TestCertificateBuilder Subject(string oid, UniversalTagNumber type, byte[] value)
    {
        _subject.Add((oid, type, value));
        return this;
    }

    public TestCertificateBuilder Subject(string oid, string value) =>
        Subject(oid, UniversalTagNumber.UTF8String, System.Text.Encoding.UTF8.GetBytes(value));

    public TestCertificateBuilder Extension(string oid, byte[] value, bool critical = false)
    {
        _extensions.Add((oid, critical, value));
        return this;
    }

    public TestCertificateBuilder DnsNames(params string[] names) =>
        DnsNames(names.Select(n => System.Text.Encoding.UTF8.GetBytes(n)).ToArray());

    /// <summary>A subjectAltName of dNSNames with any bytes (IA5String is not checked).</summary>
    public TestCertificateBuilder DnsNames(params byte[][] names)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var name in names)
            {
                writer.WriteOctetString(name, new Asn1Tag(TagClass.ContextSpecific, 2));
            }
        }

        return Extension("2.5.29.17", writer.Encode());
    }

    public TestCertificateBuilder BasicConstraints(bool ca)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            if (ca)
            {
                writer.WriteBoolean(true);
            }
        }

        return Extension("2.5.29.19", writer.Encode(), critical: true);
    }

    public static byte[] Time(UniversalTagNumber type, string text)
    {
        var content = System.Text.Encoding.ASCII.GetBytes(text);
        return [(byte)type, (byte)content.Length, .. content];
    }

    public byte[] Build()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
                {
                    writer.WriteInteger(2);
                }

                WriteRaw(writer, UniversalTagNumber.Integer, SerialContent);
                WriteAlgorithm(writer);
                WriteName(writer, [("2.5.4.3", UniversalTagNumber.PrintableString, "Test Issuer"u8.ToArray())]);
                using (writer.PushSequence())
                {
                    writer.WriteEncodedValue(NotBefore);
                    writer.WriteEncodedValue(NotAfter);
                }

                WriteName(writer, _subject);
                using (writer.PushSequence())
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier("1.2.840.10045.2.1");
                        writer.WriteObjectIdentifier("1.2.840.10045.3.1.7");
                    }

                    writer.WriteBitString(new byte[65]);
                }

                if (_extensions.Count > 0)
                {
                    using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3)))
                    using (writer.PushSequence())
                    {
                        foreach (var (oid, critical, value) in _extensions)
                        {
                            using (writer.PushSequence())
                            {
                                writer.WriteObjectIdentifier(oid);
                                if (critical)
                                {
                                    writer.WriteBoolean(true);
                                }

                                writer.WriteOctetString(value);
                            }
                        }
                    }
                }
            }

            WriteAlgorithm(writer);
            writer.WriteBitString(new byte[8]);
        }

        return writer.Encode();
    }

    private void WriteAlgorithm(AsnWriter writer)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(SignatureOid);
        }
    }

    private static void WriteName(AsnWriter writer, IEnumerable<(string Oid, UniversalTagNumber Type, byte[] Value)> attributes)
    {
        using (writer.PushSequence())
        {
            foreach (var (oid, type, value) in attributes)
            {
                using (writer.PushSetOf())
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    WriteRaw(writer, type, value);
                }
            }
        }
    }

    // Any content under any universal tag, bypassing AsnWriter's checks (invalid UTF-8, non-minimal INTEGER …).
    private static void WriteRaw(AsnWriter writer, UniversalTagNumber type, byte[] content)
    {
        var tlv = new List<byte> { (byte)type };
        if (content.Length < 0x80)
        {
            tlv.Add((byte)content.Length);
        }
        else
        {
            tlv.AddRange([0x82, (byte)(content.Length >> 8), (byte)content.Length]);
        }

        tlv.AddRange(content);
        writer.WriteEncodedValue(tlv.ToArray());
    }
}
