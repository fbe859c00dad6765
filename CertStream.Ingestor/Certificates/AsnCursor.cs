using System.Formats.Asn1;

namespace CertStream.Ingestor.Certificates;

/// <summary>One TLV read by <see cref="AsnCursor"/>; offsets are absolute in the certificate buffer.</summary>
internal readonly record struct AsnElement(Asn1Tag Tag, int Start, int ContentStart, int ContentLength, int End)
{
    public bool Is(UniversalTagNumber number) =>
        Tag.TagClass == TagClass.Universal && Tag.TagValue == (int)number;

    public bool IsContext(int value) => Tag.TagClass == TagClass.ContextSpecific && Tag.TagValue == value;
}

/// <summary>
/// A forward-only, allocation-free walk over the elements of one ASN.1 container. Reads with
/// <see cref="AsnEncodingRules.BER"/>, a superset of DER, so that real certificates with indefinite
/// lengths or non-minimal length octets still decode. Malformed TLVs throw <see cref="AsnContentException"/>.
/// </summary>
internal ref struct AsnCursor
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _end;
    private int _position;

    public AsnCursor(ReadOnlySpan<byte> buffer, int start, int length)
    {
        _buffer = buffer;
        _position = start;
        _end = start + length;
    }

    public static AsnCursor Over(ReadOnlySpan<byte> buffer) => new(buffer, 0, buffer.Length);

    public readonly bool HasMore => _position < _end;

    public readonly ReadOnlySpan<byte> Buffer => _buffer;

    public AsnElement Read()
    {
        if (_position >= _end)
        {
            throw new AsnContentException("unexpected end of contents");
        }

        var source = _buffer[_position.._end];
        if (!AsnDecoder.TryReadEncodedValue(source, AsnEncodingRules.BER, out var tag, out var contentOffset, out var contentLength, out var consumed))
        {
            throw new AsnContentException("malformed TLV");
        }

        var element = new AsnElement(tag, _position, _position + contentOffset, contentLength, _position + consumed);
        _position += consumed;
        return element;
    }

    /// <summary>Reads the next element and checks that it is the given universal type.</summary>
    public AsnElement Read(UniversalTagNumber expected)
    {
        var element = Read();
        if (!element.Is(expected))
        {
            throw new AsnContentException($"expected {expected}, found {element.Tag}");
        }

        return element;
    }

    public readonly bool PeekIsContext(int value)
    {
        if (_position >= _end)
        {
            return false;
        }

        return Asn1Tag.TryDecode(_buffer[_position.._end], out var tag, out _)
            && tag.TagClass == TagClass.ContextSpecific && tag.TagValue == value;
    }

    /// <summary>A cursor over the contents of a constructed element.</summary>
    public readonly AsnCursor Enter(AsnElement element)
    {
        if (!element.Tag.IsConstructed)
        {
            throw new AsnContentException($"{element.Tag} is not constructed");
        }

        return new AsnCursor(_buffer, element.ContentStart, element.ContentLength);
    }

    public readonly ReadOnlySpan<byte> Content(AsnElement element) =>
        _buffer.Slice(element.ContentStart, element.ContentLength);
}
