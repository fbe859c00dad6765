using System.Buffers.Binary;

namespace CertStream.Contracts.Envelope;

/// <summary>
/// Builds a <see cref="StreamEnvelope"/> header in a reused buffer: <see cref="Reset"/>, then the
/// leaf's domains and its issuer, then <see cref="Header"/>. One instance per thread (the ingestor's
/// serializer scratch); the header is then copied before each stream's JSON in the same pooled
/// buffer. Domains that do not fit the 64 KiB header (thousands of SANs) are left out of the
/// header, never out of the JSON: a filter cannot see them, every client still can.
/// </summary>
public sealed class StreamEnvelopeWriter
{
    private const int MaxLength = ushort.MaxValue;
    private const int IssuerReserve = 2 + 512;

    private byte[] _buffer = new byte[1024];
    private int _length;
    private int _domainCount;
    private bool _issuerWritten;

    public StreamEnvelopeWriter() => Reset(StreamEnvelope.KindCertificate);

    /// <summary>Starts a new header of <paramref name="kind"/> with no flags.</summary>
    public void Reset(byte kind)
    {
        _buffer[0] = StreamEnvelope.Version;
        _buffer[1] = kind;
        _buffer[2] = 0;
        _length = StreamEnvelope.FixedLength + 2;
        _domainCount = 0;
        _issuerWritten = false;
    }

    public int DomainCount => _domainCount;

    /// <summary>Adds one domain (UTF-8 as in the certificate), normalised like <see cref="DomainNames"/> says; empty or unusable names are skipped.</summary>
    public void AddDomain(ReadOnlySpan<byte> utf8)
    {
        if (_issuerWritten)
        {
            throw new InvalidOperationException("Domains go before the issuer.");
        }

        Span<byte> normalized = stackalloc byte[DomainNames.MaxLength];
        var length = DomainNames.Normalize(utf8, normalized);
        if (length <= 0 || _domainCount == ushort.MaxValue || _length + 1 + length > MaxLength - IssuerReserve)
        {
            return;
        }

        Ensure(1 + length);
        _buffer[_length] = (byte)length;
        normalized[..length].CopyTo(_buffer.AsSpan(_length + 1));
        _length += 1 + length;
        _domainCount++;
    }

    /// <summary>Sets the issuer (UTF-8), lower-cased; at most 512 bytes of it are kept.</summary>
    public void SetIssuer(ReadOnlySpan<byte> utf8)
    {
        if (_issuerWritten)
        {
            throw new InvalidOperationException("The issuer is set once.");
        }

        Ensure(IssuerReserve);
        var written = DomainNames.LowerUtf8(utf8, _buffer.AsSpan(_length + 2, IssuerReserve - 2));
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(_length), (ushort)written);
        _length += 2 + written;
        _issuerWritten = true;
    }

    /// <summary>The finished header (valid until the next call on this writer).</summary>
    public ReadOnlySpan<byte> Header
    {
        get
        {
            if (!_issuerWritten)
            {
                SetIssuer(default);
            }

            BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(3), (ushort)_length);
            BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(StreamEnvelope.FixedLength), (ushort)_domainCount);
            return _buffer.AsSpan(0, _length);
        }
    }

    /// <summary>The 5-byte header of a message without variable part (events): kind, no flags.</summary>
    public static void WriteFixed(Span<byte> destination, byte kind, byte flags = 0)
    {
        destination[0] = StreamEnvelope.Version;
        destination[1] = kind;
        destination[2] = flags;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[3..], StreamEnvelope.FixedLength);
    }

    private void Ensure(int more)
    {
        if (_length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(MaxLength + 1024, Math.Max(_buffer.Length * 2, _length + more)));
        }
    }
}
