using CertStream.Ingestor.Ct;

namespace CertStream.Ingestor.Serialization;

public sealed class CertificateMessageSerializer : ICertificateMessageSerializer
{
    public SerializedCertificate Serialize(in CtLogEntry entry, CtLogInfo log, double seenUnixSeconds) =>
        throw new NotImplementedException("placeholder: implemented on the certs branch");
}
