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
    public abstract ReadOnlyMemory<byte> Get(StreamKind kind);

    public abstract void Dispose();
}
