namespace CertStream.FeedConsumer;

/// <summary>Section <c>FeedConsumer</c>.</summary>
public sealed class FeedConsumerOptions
{
    public const string Section = "FeedConsumer";

    /// <summary>
    /// The consumer's queue. Durable and named: certificates published while the consumer is
    /// stopped wait in it. Each consumer application takes its own name (every queue bound to the
    /// feed gets every certificate); instances of one application share it (competing consumers).
    /// </summary>
    public string QueueName { get; set; } = "certstream-feed-consumer";

    /// <summary>Certificates with a domain ending in this (e.g. <c>.example.com</c>) are logged as matches; empty: none.</summary>
    public string DomainSuffix { get; set; } = "";

    /// <summary>
    /// To see retry and the error queue: a certificate with a domain ending in this fails every
    /// attempt, is retried, then moved to <c>{QueueName}_error</c>. Empty: none fails.
    /// </summary>
    public string FailDomainSuffix { get; set; } = "";

    /// <summary>Messages fetched ahead per consumer.</summary>
    public int PrefetchCount { get; set; } = 64;
}
