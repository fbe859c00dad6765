using System.Buffers.Binary;

namespace CertStream.Contracts.Envelope;

/// <summary>
/// The header an ingestor puts before each message JSON it publishes on <c>certstream:stream:&lt;kind&gt;</c>
/// (docs/architecture.md, "The stream envelope"), read by the gateway without parsing the JSON.
/// Layout, all integers little-endian:
/// <code>
/// 0      version (1)         never '{', so a header-less legacy payload is told apart by its first byte
/// 1      kind                0 certificate message, 1 log_integrity event
/// 2      flags               bit0 first sighting of this certificate, bit1 of this precert/final pair
/// 3-4    header length       u16, 5 + variable part; the JSON starts here
/// 5-6    domain count        u16
///        domains             per domain: u8 length, bytes (lower-case ASCII, IDNA A-labels)
///        issuer              u16 length, bytes (the issuer's aggregated name, lower-case UTF-8)
/// </code>
/// A reader skips to the header length, so fields may be appended to the variable part later;
/// a header whose variable part is shorter than this (or absent) reads as no domains and no issuer.
/// </summary>
public readonly ref struct StreamEnvelope
{
    public const byte Version = 1;

    /// <summary>Version, kind, flags and the header length.</summary>
    public const int FixedLength = 5;

    /// <summary>Envelope kind of a certificate message (<c>certificate_update</c>, <c>dns_entries</c>).</summary>
    public const byte KindCertificate = 0;

    /// <summary>Envelope kind of a <c>log_integrity</c> event (issue 15).</summary>
    public const byte KindLogIntegrity = 1;

    /// <summary>Flag: the first sighting cluster-wide, within the dedup window, of this exact certificate (leaf DER SHA-256).</summary>
    public const byte FlagFirstSeen = 0x01;

    /// <summary>Flag: the first sighting of this precertificate/final-certificate pair (join key).</summary>
    public const byte FlagFirstSeenJoined = 0x02;

    private readonly ReadOnlySpan<byte> _variable;

    private StreamEnvelope(byte kind, byte flags, ReadOnlySpan<byte> variable, ReadOnlySpan<byte> json, bool legacy)
    {
        Kind = kind;
        Flags = flags;
        _variable = variable;
        Json = json;
        IsLegacy = legacy;
    }

    public byte Kind { get; }

    public byte Flags { get; }

    /// <summary>The message JSON: what clients receive.</summary>
    public ReadOnlySpan<byte> Json { get; }

    /// <summary>A payload without header (an older ingestor): kind 0, no flags, no domains, no issuer.</summary>
    public bool IsLegacy { get; }

    /// <summary>The leaf's domains, lower-case, IDNA A-labels; empty for events and legacy payloads.</summary>
    public DomainEnumerator Domains => new(_variable.Length >= 2 ? _variable : default);

    /// <summary>The issuer's aggregated name, lower-case UTF-8; empty when unknown.</summary>
    public ReadOnlySpan<byte> Issuer
    {
        get
        {
            var rest = SkipDomains(_variable);
            if (rest.Length < 2)
            {
                return default;
            }

            var length = BinaryPrimitives.ReadUInt16LittleEndian(rest);
            return rest.Length - 2 >= length ? rest.Slice(2, length) : default;
        }
    }

    /// <summary>
    /// Reads a payload as published: an envelope (first byte <see cref="Version"/>) or a legacy JSON
    /// message (first byte <c>{</c>). False for anything else (an unknown version, a truncated header).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out StreamEnvelope envelope)
    {
        envelope = default;
        if (payload.IsEmpty)
        {
            return false;
        }

        if (payload[0] == (byte)'{')
        {
            envelope = new StreamEnvelope(KindCertificate, 0, default, payload, legacy: true);
            return true;
        }

        if (payload[0] != Version || payload.Length < FixedLength)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16LittleEndian(payload[3..]);
        if (length < FixedLength || length > payload.Length)
        {
            return false;
        }

        envelope = new StreamEnvelope(payload[1], payload[2], payload[FixedLength..length], payload[length..], legacy: false);
        return true;
    }

    /// <summary>Where the JSON starts in <paramref name="payload"/>: the header length, 0 for a legacy payload, -1 when it is neither.</summary>
    public static int JsonOffset(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return -1;
        }

        if (payload[0] == (byte)'{')
        {
            return 0;
        }

        if (payload[0] != Version || payload.Length < FixedLength)
        {
            return -1;
        }

        var length = BinaryPrimitives.ReadUInt16LittleEndian(payload[3..]);
        return length >= FixedLength && length <= payload.Length ? length : -1;
    }

    /// <summary>Sets the flags byte of an envelope in place (the ingestor, after its dedup check).</summary>
    public static void SetFlags(Span<byte> payload, byte flags)
    {
        if (payload.Length >= FixedLength && payload[0] == Version)
        {
            payload[2] = flags;
        }
    }

    private static ReadOnlySpan<byte> SkipDomains(ReadOnlySpan<byte> variable)
    {
        if (variable.Length < 2)
        {
            return default;
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(variable);
        var at = 2;
        for (var i = 0; i < count; i++)
        {
            if (at >= variable.Length || at + 1 + variable[at] > variable.Length)
            {
                return default;
            }

            at += 1 + variable[at];
        }

        return variable[at..];
    }

    /// <summary>Walks the domain list without allocating.</summary>
    public ref struct DomainEnumerator
    {
        private readonly ReadOnlySpan<byte> _variable;
        private int _remaining;
        private int _at;

        internal DomainEnumerator(ReadOnlySpan<byte> variable)
        {
            _variable = variable;
            _remaining = variable.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(variable) : 0;
            _at = 2;
            Current = default;
        }

        public ReadOnlySpan<byte> Current { get; private set; }

        public readonly DomainEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_remaining == 0 || _at >= _variable.Length)
            {
                return false;
            }

            int length = _variable[_at];
            if (_at + 1 + length > _variable.Length)
            {
                _remaining = 0;
                return false;
            }

            Current = _variable.Slice(_at + 1, length);
            _at += 1 + length;
            _remaining--;
            return true;
        }
    }
}
