using System.Formats.Asn1;

namespace CertStream.Ingestor.Verification;

/// <summary>One TLV inside a buffer: where it starts, its total length and its content. Allocation-free.</summary>
internal readonly record struct Asn1Element(Asn1Tag Tag, int Start, int Length, int ContentStart, int ContentLength)
{
    public int End => Start + Length;

    public ReadOnlySpan<byte> Encoded(ReadOnlySpan<byte> buffer) => buffer.Slice(Start, Length);

    public ReadOnlySpan<byte> Content(ReadOnlySpan<byte> buffer) => buffer.Slice(ContentStart, ContentLength);

    /// <summary>Reads the TLV at <paramref name="position"/> (of <paramref name="buffer"/>, up to <paramref name="end"/>) and moves past it.</summary>
    /// <exception cref="AsnContentException">Not a TLV.</exception>
    public static Asn1Element Read(ReadOnlySpan<byte> buffer, ref int position, int end)
    {
        var tag = Asn1Tag.Decode(buffer[position..end], out _);
        AsnDecoder.ReadEncodedValue(buffer[position..end], AsnEncodingRules.BER, out var contentOffset, out var contentLength, out var consumed);
        var element = new Asn1Element(tag, position, consumed, position + contentOffset, contentLength);
        position += consumed;
        return element;
    }
}
