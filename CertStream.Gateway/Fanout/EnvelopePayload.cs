namespace CertStream.Gateway.Fanout;

/// <summary>
/// The message JSON inside a stored payload: payloads may start with the stream envelope header
/// (byte 0 = 1, byte 1 = kind, bytes 3-4 = header length, little-endian), which clients never see;
/// a payload starting with <c>{</c> has none (an older ingestor's) and is kind 0.
/// </summary>
internal static class EnvelopePayload
{
    private const byte Version1 = 0x01;
    private const int FixedLength = 5;

    /// <summary>The JSON of <paramref name="payload"/> and its envelope kind (0: certificate message); empty JSON when the header is malformed.</summary>
    public static ReadOnlySpan<byte> Json(ReadOnlySpan<byte> payload, out byte kind)
    {
        kind = 0;
        if (payload.IsEmpty || payload[0] != Version1)
        {
            return payload;
        }

        if (payload.Length < FixedLength)
        {
            return default;
        }

        kind = payload[1];
        var length = payload[3] | (payload[4] << 8);
        return length < FixedLength || length > payload.Length ? default : payload[length..];
    }
}
