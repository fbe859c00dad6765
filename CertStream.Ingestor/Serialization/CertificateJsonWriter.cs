using System.Security.Cryptography;
using System.Text.Json;
using CertStream.Ingestor.Certificates;

namespace CertStream.Ingestor.Serialization;

/// <summary>
/// Writes one <c>&lt;cert&gt;</c> object of docs/wire-format.md from a <see cref="ParsedCertificate"/>.
/// Composed strings are built in a reused UTF-8 buffer and hex is formatted on the stack, so a
/// certificate costs no allocation here. Key order follows the table of docs/wire-format.md, with
/// <c>as_der</c> last (the serializer relies on that to add it to the lite leaf).
/// </summary>
internal sealed class CertificateJsonWriter : IDisposable
{
    private static readonly JsonEncodedText Subject = JsonEncodedText.Encode("subject");
    private static readonly JsonEncodedText Issuer = JsonEncodedText.Encode("issuer");
    private static readonly JsonEncodedText Extensions = JsonEncodedText.Encode("extensions");
    private static readonly JsonEncodedText NotBefore = JsonEncodedText.Encode("not_before");
    private static readonly JsonEncodedText NotAfter = JsonEncodedText.Encode("not_after");
    private static readonly JsonEncodedText SerialNumber = JsonEncodedText.Encode("serial_number");
    private static readonly JsonEncodedText Fingerprint = JsonEncodedText.Encode("fingerprint");
    private static readonly JsonEncodedText Sha1 = JsonEncodedText.Encode("sha1");
    private static readonly JsonEncodedText Sha256 = JsonEncodedText.Encode("sha256");
    private static readonly JsonEncodedText SignatureAlgorithm = JsonEncodedText.Encode("signature_algorithm");
    private static readonly JsonEncodedText IsCa = JsonEncodedText.Encode("is_ca");
    private static readonly JsonEncodedText AllDomains = JsonEncodedText.Encode("all_domains");
    public static readonly JsonEncodedText AsDer = JsonEncodedText.Encode("as_der");
    private static readonly JsonEncodedText Aggregated = JsonEncodedText.Encode("aggregated");

    private static readonly JsonEncodedText[] NameKeys =
    [
        JsonEncodedText.Encode("C"), JsonEncodedText.Encode("CN"), JsonEncodedText.Encode("L"),
        JsonEncodedText.Encode("O"), JsonEncodedText.Encode("OU"), JsonEncodedText.Encode("ST"),
        JsonEncodedText.Encode("email_address"),
    ];

    private static readonly JsonEncodedText AuthorityInfoAccess = JsonEncodedText.Encode("authorityInfoAccess");
    private static readonly JsonEncodedText AuthorityKeyIdentifier = JsonEncodedText.Encode("authorityKeyIdentifier");
    private static readonly JsonEncodedText SubjectKeyIdentifier = JsonEncodedText.Encode("subjectKeyIdentifier");
    private static readonly JsonEncodedText BasicConstraints = JsonEncodedText.Encode("basicConstraints");
    private static readonly JsonEncodedText KeyUsage = JsonEncodedText.Encode("keyUsage");
    private static readonly JsonEncodedText ExtendedKeyUsage = JsonEncodedText.Encode("extendedKeyUsage");
    private static readonly JsonEncodedText SubjectAltName = JsonEncodedText.Encode("subjectAltName");
    private static readonly JsonEncodedText CertificatePolicies = JsonEncodedText.Encode("certificatePolicies");
    private static readonly JsonEncodedText CtlPoisonByte = JsonEncodedText.Encode("ctlPoisonByte");

    // Aggregated uses the keys C, CN, L, O, OU, ST (not the e-mail), as "/K=V".
    private static readonly byte[][] AggregatedPrefixes =
        ["/C="u8.ToArray(), "/CN="u8.ToArray(), "/L="u8.ToArray(), "/O="u8.ToArray(), "/OU="u8.ToArray(), "/ST="u8.ToArray()];

    private static readonly byte[][] KeyUsageNames =
    [
        "Digital Signature"u8.ToArray(), "Content Commitment"u8.ToArray(), "Key Encipherment"u8.ToArray(),
        "Data Encipherment"u8.ToArray(), "Key Agreement"u8.ToArray(), "Certificate Signing"u8.ToArray(),
        "CRL Signing"u8.ToArray(), "Encipher Only"u8.ToArray(), "Decipher Only"u8.ToArray(),
    ];

    private static readonly byte[][] KeyPurposeNames =
    [
        "serverAuth"u8.ToArray(), "clientAuth"u8.ToArray(), "codeSigning"u8.ToArray(),
        "emailProtection"u8.ToArray(), "timeStamping"u8.ToArray(), "OCSPSigning"u8.ToArray(),
    ];

    private readonly Utf8Builder _text = new(4096);

    // domains: the leaf's all_domains, or null for chain certificates (which have none).
    // forcePoison: true for precert entries, whose certificate is a precertificate by definition.
    // digests: when not empty, receives the SHA-256 then the SHA-1 written as sha256 and sha1/fingerprint
    // (SerializedCertificate.LeafDigestsLength bytes), so that nobody hashes the leaf again.
    public void Write(Utf8JsonWriter writer, ParsedCertificate certificate, AllDomains? domains, bool includeDer, bool forcePoison, Span<byte> digests = default)
    {
        writer.WriteStartObject();
        WriteName(writer, Subject, certificate.Subject);
        WriteName(writer, Issuer, certificate.Issuer);
        WriteExtensions(writer, certificate.Extensions, forcePoison);
        WriteOptionalNumber(writer, NotBefore, certificate.NotBefore);
        WriteOptionalNumber(writer, NotAfter, certificate.NotAfter);
        WriteSerialNumber(writer, certificate.SerialNumber.Span);
        WriteFingerprints(writer, certificate.Der.Span, digests);
        writer.WriteString(SignatureAlgorithm, certificate.SignatureAlgorithm);
        writer.WriteBoolean(IsCa, certificate.IsCa);
        if (domains is not null)
        {
            writer.WriteStartArray(AllDomains);
            for (var i = 0; i < domains.Count; i++)
            {
                writer.WriteStringValue(domains[i]);
            }

            writer.WriteEndArray();
        }

        if (includeDer)
        {
            writer.WriteBase64String(AsDer, certificate.Der.Span);
        }

        writer.WriteEndObject();
    }

    private void WriteName(Utf8JsonWriter writer, JsonEncodedText property, DistinguishedName name)
    {
        _text.Clear();
        Span<int> starts = stackalloc int[DistinguishedName.AttributeCount];
        Span<int> lengths = stackalloc int[DistinguishedName.AttributeCount];
        for (var i = 0; i < DistinguishedName.AttributeCount; i++)
        {
            starts[i] = _text.Length;
            lengths[i] = name.AppendJoined((NameAttribute)i, _text) ? _text.Length - starts[i] : -1;
        }

        var aggregatedStart = _text.Length;
        for (var i = 0; i < AggregatedPrefixes.Length; i++)
        {
            if (lengths[i] > 0)
            {
                _text.Append(AggregatedPrefixes[i]);
                _text.AppendWritten(starts[i], lengths[i]);
            }
        }

        writer.WriteStartObject(property);
        for (var i = 0; i < DistinguishedName.AttributeCount; i++)
        {
            if (lengths[i] >= 0)
            {
                writer.WriteString(NameKeys[i], _text.Slice(starts[i], lengths[i]));
            }
            else if (i == (int)NameAttribute.CN)
            {
                writer.WriteString(NameKeys[i], ""u8); // clients call string methods on CN
            }
            else
            {
                writer.WriteNull(NameKeys[i]);
            }
        }

        writer.WriteString(Aggregated, _text.Slice(aggregatedStart, _text.Length - aggregatedStart));
        writer.WriteEndObject();
    }

    private void WriteExtensions(Utf8JsonWriter writer, CertificateExtensions extensions, bool forcePoison)
    {
        writer.WriteStartObject(Extensions);
        if (extensions.HasAuthorityInfoAccess)
        {
            _text.Clear();
            foreach (var uri in extensions.AiaUris)
            {
                Separator();
                _text.Append("URI:"u8);
                DirectoryStringDecoder.AppendUtf8Lenient(uri.Span, _text);
            }

            writer.WriteString(AuthorityInfoAccess, _text.WrittenSpan);
        }

        if (extensions.HasAuthorityKeyIdentifier)
        {
            WriteKeyId(writer, AuthorityKeyIdentifier, extensions.AuthorityKeyIdentifier.Span);
        }

        if (extensions.HasSubjectKeyIdentifier)
        {
            WriteKeyId(writer, SubjectKeyIdentifier, extensions.SubjectKeyIdentifier.Span);
        }

        if (extensions.HasBasicConstraints)
        {
            writer.WriteString(BasicConstraints, extensions.IsCa ? "CA:TRUE"u8 : "CA:FALSE"u8);
        }

        if (extensions.HasKeyUsage)
        {
            _text.Clear();
            for (var bit = 0; bit < KeyUsageNames.Length; bit++)
            {
                if (((int)extensions.KeyUsage & (1 << bit)) != 0)
                {
                    Separator();
                    _text.Append(KeyUsageNames[bit]);
                }
            }

            writer.WriteString(KeyUsage, _text.WrittenSpan);
        }

        if (extensions.HasExtendedKeyUsage)
        {
            WriteExtendedKeyUsage(writer, extensions);
        }

        if (extensions.HasSubjectAltName)
        {
            WriteSubjectAltName(writer, extensions);
        }

        if (extensions.HasCertificatePolicies)
        {
            _text.Clear();
            foreach (var oid in extensions.PolicyOids)
            {
                _text.Append("Policy: "u8);
                AppendOid(oid.Span);
                _text.Append((byte)'\n');
            }

            writer.WriteString(CertificatePolicies, _text.WrittenSpan);
        }

        if (extensions.HasCtPoison || forcePoison)
        {
            writer.WriteBoolean(CtlPoisonByte, true);
        }

        writer.WriteEndObject();
    }

    // "DNS:a, email:x@y, IP Address:1.2.3.4" in certificate order; URIs are not part of the format.
    private void WriteSubjectAltName(Utf8JsonWriter writer, CertificateExtensions extensions)
    {
        _text.Clear();
        foreach (var name in extensions.SanNames)
        {
            switch (name.Kind)
            {
                case GeneralNameKind.Dns:
                    Separator();
                    _text.Append("DNS:"u8);
                    DirectoryStringDecoder.AppendUtf8Lenient(name.Raw.Span, _text);
                    break;
                case GeneralNameKind.Email:
                    Separator();
                    _text.Append("email:"u8);
                    DirectoryStringDecoder.AppendUtf8Lenient(name.Raw.Span, _text);
                    break;
                case GeneralNameKind.IPAddress:
                    Separator();
                    _text.Append("IP Address:"u8);
                    var span = _text.GetSpan(CertificateText.MaxIPAddressLength);
                    _text.Advance(CertificateText.FormatIPAddress(name.Raw.Span, span));
                    break;
            }
        }

        writer.WriteString(SubjectAltName, _text.WrittenSpan);
    }

    private void Separator()
    {
        if (_text.Length > 0)
        {
            _text.Append(", "u8);
        }
    }

    // The named purposes in the fixed order of docs/wire-format.md (like keyUsage, and as the Rust server
    // prints them), then any other OID as dotted text in certificate order.
    private void WriteExtendedKeyUsage(Utf8JsonWriter writer, CertificateExtensions extensions)
    {
        _text.Clear();
        var named = 0;
        foreach (var oid in extensions.EkuOids)
        {
            var index = KeyPurposeIndex(oid.Span);
            if (index >= 0)
            {
                named |= 1 << index;
            }
        }

        for (var i = 0; i < KeyPurposeNames.Length; i++)
        {
            if ((named & (1 << i)) != 0)
            {
                Separator();
                _text.Append(KeyPurposeNames[i]);
            }
        }

        foreach (var oid in extensions.EkuOids)
        {
            if (KeyPurposeIndex(oid.Span) < 0)
            {
                Separator();
                AppendOid(oid.Span);
            }
        }

        writer.WriteString(ExtendedKeyUsage, _text.WrittenSpan);
    }

    // Index into KeyPurposeNames of id-kp-serverAuth (…3.1) … id-kp-OCSPSigning (…3.9), or -1.
    private static int KeyPurposeIndex(ReadOnlySpan<byte> oid)
    {
        if (oid.Length != Oids.KeyPurposePrefix.Length + 1 || !oid.StartsWith(Oids.KeyPurposePrefix))
        {
            return -1;
        }

        return oid[^1] switch
        {
            1 => 0,
            2 => 1,
            3 => 2,
            4 => 3,
            8 => 4,
            9 => 5,
            _ => -1,
        };
    }

    private void AppendOid(ReadOnlySpan<byte> oid)
    {
        // Validated by the parser, so formatting succeeds.
        var span = _text.GetSpan(CertificateText.MaxOidTextLength(oid.Length));
        CertificateText.TryFormatOid(oid, span, out var written);
        _text.Advance(written);
    }

    private static void WriteKeyId(Utf8JsonWriter writer, JsonEncodedText property, ReadOnlySpan<byte> keyId)
    {
        const int Prefix = 6; // "keyid:"
        var length = Prefix + CertificateText.ColonHexLength(keyId.Length);
        var buffer = length <= 256 ? stackalloc byte[length] : new byte[length];
        "keyid:"u8.CopyTo(buffer);
        CertificateText.FormatColonHex(keyId, buffer[Prefix..], upperCase: false);
        writer.WriteString(property, buffer[..length]);
    }

    private static void WriteOptionalNumber(Utf8JsonWriter writer, JsonEncodedText property, long? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(property, v);
        }
        else
        {
            writer.WriteNull(property);
        }
    }

    private static void WriteSerialNumber(Utf8JsonWriter writer, ReadOnlySpan<byte> serial)
    {
        if (serial.IsEmpty)
        {
            writer.WriteNull(SerialNumber);
            return;
        }

        var length = CertificateText.MaxSerialNumberLength(serial.Length);
        var buffer = length <= 256 ? stackalloc byte[length] : new byte[length];
        writer.WriteString(SerialNumber, buffer[..CertificateText.FormatSerialNumber(serial, buffer)]);
    }

    private static void WriteFingerprints(Utf8JsonWriter writer, ReadOnlySpan<byte> der, Span<byte> digests)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> text = stackalloc byte[CertificateText.ColonHexLength(SHA256.HashSizeInBytes)];

        System.Security.Cryptography.SHA1.HashData(der, hash);
        var n = CertificateText.FormatColonHex(hash[..System.Security.Cryptography.SHA1.HashSizeInBytes], text, upperCase: true);
        writer.WriteString(Fingerprint, text[..n]);
        writer.WriteString(Sha1, text[..n]);
        if (!digests.IsEmpty)
        {
            hash[..System.Security.Cryptography.SHA1.HashSizeInBytes].CopyTo(digests[SHA256.HashSizeInBytes..]);
        }

        SHA256.HashData(der, hash);
        if (!digests.IsEmpty)
        {
            hash.CopyTo(digests);
        }

        n = CertificateText.FormatColonHex(hash, text, upperCase: true);
        writer.WriteString(Sha256, text[..n]);
    }

    public void Dispose() => _text.Dispose();
}
