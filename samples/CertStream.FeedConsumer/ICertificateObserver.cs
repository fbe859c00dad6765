using CertStream.Feed.Contracts;

namespace CertStream.FeedConsumer;

/// <summary>Sees every certificate message the consumer handled (after its filter), with its message id.</summary>
public interface ICertificateObserver
{
    void Observe(Guid messageId, CertificateLogged message);
}
