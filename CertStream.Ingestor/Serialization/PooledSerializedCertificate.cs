using System.Buffers;
using CertStream.Contracts;
using CertStream.Contracts.Envelope;

namespace CertStream.Ingestor.Serialization;

/// <summary>The three messages of one entry, each envelope header + JSON, back to back in one pooled array.</summary>
internal sealed class PooledSerializedCertificate : SerializedCertificate
{
    private byte[]? _buffer;
    private readonly int _headerLength;
    private readonly int _liteEnd;
    private readonly int _fullEnd;
    private readonly int _domainsEnd;

    public PooledSerializedCertificate(byte[] buffer, int headerLength, int liteEnd, int fullEnd, int domainsEnd)
    {
        _buffer = buffer;
        _headerLength = headerLength;
        _liteEnd = liteEnd;
        _fullEnd = fullEnd;
        _domainsEnd = domainsEnd;
    }

    public override ReadOnlyMemory<byte> Get(StreamKind kind) => GetPayload(kind)[_headerLength..];

    public override ReadOnlyMemory<byte> GetPayload(StreamKind kind)
    {
        var buffer = _buffer;
        ObjectDisposedException.ThrowIf(buffer is null, this);
        return kind switch
        {
            StreamKind.Lite => buffer.AsMemory(0, _liteEnd),
            StreamKind.Full => buffer.AsMemory(_liteEnd, _fullEnd - _liteEnd),
            StreamKind.Domains => buffer.AsMemory(_fullEnd, _domainsEnd - _fullEnd),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    public override ReadOnlySpan<byte> LeafSha256 => Digests[..32];

    public override ReadOnlySpan<byte> LeafSha1 => Digests[32..];

    /// <summary>The leaf's digests, written by the serializer right after the domains message.</summary>
    private ReadOnlySpan<byte> Digests
    {
        get
        {
            var buffer = _buffer;
            ObjectDisposedException.ThrowIf(buffer is null, this);
            return buffer.AsSpan(_domainsEnd, LeafDigestsLength);
        }
    }

    public override void SetFlags(byte flags)
    {
        var buffer = _buffer;
        ObjectDisposedException.ThrowIf(buffer is null, this);
        StreamEnvelope.SetFlags(buffer, flags);
        StreamEnvelope.SetFlags(buffer.AsSpan(_liteEnd), flags);
        StreamEnvelope.SetFlags(buffer.AsSpan(_fullEnd), flags);
    }

    public override void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
