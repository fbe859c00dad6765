namespace CertStream.Gateway.Fanout;

/// <summary>
/// One message as received from Redis, shared read-only by every client of its stream. One of these
/// (and the payload array SE.Redis already allocated) exists per message, never one per client.
/// </summary>
internal sealed class RingEntry(long sequence, ReadOnlyMemory<byte> payload)
{
    public long Sequence { get; } = sequence;

    public ReadOnlyMemory<byte> Payload { get; } = payload;
}
