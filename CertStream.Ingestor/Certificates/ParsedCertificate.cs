namespace CertStream.Ingestor.Certificates;

/// <summary>
/// What <see cref="X509CertificateParser"/> read from one certificate. It holds slices of
/// <see cref="Der"/>, not copies, so it is valid only while that buffer is. An instance can be
/// reused for the next certificate (the serializer keeps one per thread and chain position).
/// Fields that did not decode are null / absent; the certificate as a whole still counts as parsed.
/// </summary>
public sealed class ParsedCertificate
{
    public ReadOnlyMemory<byte> Der { get; private set; }

    /// <summary>1, 2 or 3 (X.509 version + 1); null when the version field is malformed.</summary>
    public int? Version { get; internal set; }

    /// <summary>The serial INTEGER's content octets (two's complement); empty when unreadable.</summary>
    public ReadOnlyMemory<byte> SerialNumber { get; internal set; }

    public long? NotBefore { get; internal set; }

    public long? NotAfter { get; internal set; }

    /// <summary>Name from the outer signatureAlgorithm (see <see cref="SignatureAlgorithmNames"/>).</summary>
    public string SignatureAlgorithm { get; internal set; } = SignatureAlgorithmNames.Unknown;

    public DistinguishedName Subject { get; } = new();

    public DistinguishedName Issuer { get; } = new();

    public CertificateExtensions Extensions { get; } = new();

    /// <summary><c>is_ca</c>: basicConstraints cA.</summary>
    public bool IsCa => Extensions.HasBasicConstraints && Extensions.IsCa;

    /// <summary><c>serial_number</c> as text (allocates; the serializer writes it without a string).</summary>
    public string? SerialNumberText => SerialNumber.IsEmpty ? null : CertificateText.FormatSerialNumber(SerialNumber.Span);

    internal void Reset(ReadOnlyMemory<byte> der)
    {
        Der = der;
        Version = null;
        SerialNumber = default;
        NotBefore = NotAfter = null;
        SignatureAlgorithm = SignatureAlgorithmNames.Unknown;
        Subject.Reset();
        Issuer.Reset();
        Extensions.Reset();
    }
}
