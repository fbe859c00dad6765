namespace CertStream.Gateway.Fanout;

/// <summary>
/// One message as received from Redis, shared read-only by every client of its stream (and by the
/// private rings of the filtered clients it matched). One of these (and the payload array SE.Redis
/// already allocated) exists per message, never one per client.
/// </summary>
internal sealed class RingEntry(long sequence, ReadOnlyMemory<byte> payload, int jsonOffset = 0)
{
    // The JSON's offset rather than a second memory: the entry stays one small object (48 bytes).
    private readonly int _jsonOffset = jsonOffset;

    /// <summary>Its sequence in the stream's shared ring (-1: not in it, an event).</summary>
    public long Sequence { get; } = sequence;

    /// <summary>As published: the envelope header (if any) and the JSON; what the ring's byte bound counts.</summary>
    public ReadOnlyMemory<byte> Payload { get; } = payload;

    /// <summary>The message JSON, the part of <see cref="Payload"/> clients receive.</summary>
    public ReadOnlyMemory<byte> Json => Payload[_jsonOffset..];
}
