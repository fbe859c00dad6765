namespace CertStream.Ingestor.Status;

/// <summary>
/// The JSON part of a stream payload. A payload that starts with the envelope header (byte 0 is the
/// format version 1, bytes 3-4 the header's little-endian length) carries the message after it; a
/// payload that starts with <c>{</c> is the message. The store keeps the message only, as clients get it.
/// </summary>
internal static class StoredJson
{
    private const byte EnvelopeVersion1 = 0x01;
    private const int FixedHeaderLength = 5;

    public static ReadOnlySpan<byte> Of(ReadOnlyMemory<byte> payload)
    {
        var span = payload.Span;
        if (span.Length >= FixedHeaderLength && span[0] == EnvelopeVersion1)
        {
            var length = span[3] | (span[4] << 8);
            if (length >= FixedHeaderLength && length <= span.Length)
            {
                return span[length..];
            }
        }

        return span;
    }
}
