using CertStream.Contracts;
using CertStream.Ingestor.Ct;

namespace CertStream.Ingestor.Serialization;

/// <summary>Serializes each certificate once per stream kind (docs/wire-format.md).</summary>
public interface ICertificateMessageSerializer
{
    /// <summary>
    /// Builds the lite, full and domains messages of one entry. <paramref name="seenUnixSeconds"/>
    /// is <c>data.seen</c>. Throws <see cref="CtDecodeException"/> when the leaf cannot be parsed
    /// at all; fields that fail alone are written as null/absent instead.
    /// </summary>
    SerializedCertificate Serialize(in CtLogEntry entry, CtLogInfo log, double seenUnixSeconds);
}

/// <summary>The three messages of one certificate, in pooled buffers returned on <see cref="Dispose"/>.</summary>
public abstract class SerializedCertificate : IDisposable
{
    /// <summary>The message JSON of <paramref name="kind"/>: what clients receive.</summary>
    public abstract ReadOnlyMemory<byte> Get(StreamKind kind);

    /// <summary>What is published for <paramref name="kind"/>: the envelope header, then the JSON (docs/architecture.md).</summary>
    public abstract ReadOnlyMemory<byte> GetPayload(StreamKind kind);

    /// <summary>SHA-256 (32 bytes) then SHA-1 (20 bytes) of the leaf DER: <see cref="LeafSha256"/>, <see cref="LeafSha1"/>.</summary>
    public const int LeafDigestsLength = 32 + 20;

    /// <summary>SHA-256 of the leaf DER (the message's <c>sha256</c>), hashed once while the message was written.</summary>
    public abstract ReadOnlySpan<byte> LeafSha256 { get; }

    /// <summary>SHA-1 of the leaf DER (the message's <c>sha1</c> and <c>fingerprint</c>).</summary>
    public abstract ReadOnlySpan<byte> LeafSha1 { get; }

    /// <summary>Sets the envelope flags (the dedup check's result) of all three messages.</summary>
    public abstract void SetFlags(byte flags);

    public abstract void Dispose();
}
