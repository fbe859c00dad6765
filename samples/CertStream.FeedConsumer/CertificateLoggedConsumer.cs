using CertStream.Feed.Contracts;
using CertStream.FeedConsumer.Telemetry;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CertStream.FeedConsumer;

/// <summary>
/// Handles each certificate: counts it, logs the ones matching the domain suffix. An exception
/// thrown here is retried by the endpoint's retry policy (see <see cref="FeedConsumerApp"/>);
/// a message that fails every retry lands in the error queue, nothing is lost.
/// </summary>
public sealed class CertificateLoggedConsumer(
    FeedStatistics statistics,
    IEnumerable<ICertificateObserver> observers,
    IOptions<FeedConsumerOptions> options,
    ILogger<CertificateLoggedConsumer> logger) : IConsumer<CertificateLogged>
{
    public Task Consume(ConsumeContext<CertificateLogged> context)
    {
        var message = context.Message;
        var o = options.Value;
        if (o.FailDomainSuffix.Length > 0 && message.AllDomains.Any(d => d.EndsWith(o.FailDomainSuffix, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"{message.LogUrl}#{message.Index} matches FailDomainSuffix '{o.FailDomainSuffix}' (retry and error queue demo)");
        }

        var id = context.MessageId ?? Guid.Empty;
        foreach (var observer in observers)
        {
            observer.Observe(id, message);
        }

        if (o.DomainSuffix.Length > 0 && message.AllDomains.FirstOrDefault(d => d.EndsWith(o.DomainSuffix, StringComparison.OrdinalIgnoreCase)) is { } domain)
        {
            statistics.Matched();
            FeedConsumerLog.Match(logger, domain, message.LogName, message.Index, message.Issuer);
        }

        return Task.CompletedTask;
    }
}
