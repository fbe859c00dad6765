using CertStream.ServiceDefaults.Configuration;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Feed;

/// <summary>
/// Keys of section <c>feed:</c>, the durable feed to RabbitMQ (README "Durable feed"). The feed is
/// on when <c>feed:enabled</c> is true, or when it is not set and a <c>rabbitmq</c> connection
/// string is present; with it off nothing of MassTransit or RabbitMQ is loaded.
/// </summary>
public sealed class FeedOptions
{
    public const string Section = "feed";
    public const string EnabledKey = "feed:enabled";
    public const string ConnectionName = "rabbitmq";

    /// <summary>null: on when a <c>rabbitmq</c> connection string is present.</summary>
    [ConfigurationKeyName("enabled")] public bool? Enabled { get; init; }

    /// <summary>Most entries held for the feed (queued and being confirmed); past it the feed falls behind and re-reads the CT log later.</summary>
    [ConfigurationKeyName("queue_capacity")] public int QueueCapacity { get; init; } = 8192;

    /// <summary>Entries published together, each batch awaited for its publisher confirms before the feed cursors move.</summary>
    [ConfigurationKeyName("batch_size")] public int BatchSize { get; init; } = 256;

    /// <summary>How long one publish attempt may wait for RabbitMQ's confirms before it counts as failed and is retried.</summary>
    [ConfigurationKeyName("publish_timeout_secs")] public int PublishTimeoutSecs { get; init; } = 30;

    /// <summary>
    /// Whether the feed is on, decided from configuration before services are registered (so that
    /// nothing of MassTransit is loaded when it is off). Throws naming the key when the value is not
    /// a boolean, or the feed is on without a connection string.
    /// </summary>
    public static bool IsEnabled(IConfiguration configuration)
    {
        var raw = configuration[EnabledKey];
        var hasConnection = configuration.GetConnectionString(ConnectionName) is { Length: > 0 };
        bool enabled;
        if (string.IsNullOrWhiteSpace(raw))
        {
            enabled = hasConnection;
        }
        else if (!bool.TryParse(raw.Trim(), out enabled))
        {
            // Thrown on a start; under --validate-config recorded, and the feed's own settings are still checked.
            SettingProblems.Report(new InvalidSettingException($"{EnabledKey} (CERTSTREAM_FEED_ENABLED): '{raw}' must be true or false."));
            return hasConnection;
        }

        if (enabled && !hasConnection)
        {
            SettingProblems.Report(new InvalidSettingException(
                $"{EnabledKey} (CERTSTREAM_FEED_ENABLED) is true but there is no RabbitMQ to publish to: set ConnectionStrings:{ConnectionName} (ConnectionStrings__{ConnectionName}, e.g. amqp://user:password@host:5672/)."));
        }

        return enabled && hasConnection;
    }
}

public sealed class FeedOptionsValidator : IValidateOptions<FeedOptions>
{
    public ValidateOptionsResult Validate(string? name, FeedOptions o)
    {
        var errors = new List<string>();
        if (o.QueueCapacity is < 16 or > 1_000_000)
        {
            errors.Add($"feed:queue_capacity (CERTSTREAM_FEED_QUEUE_CAPACITY): {o.QueueCapacity} must be from 16 to 1000000.");
        }

        if (o.BatchSize < 1 || o.BatchSize > o.QueueCapacity)
        {
            errors.Add($"feed:batch_size (CERTSTREAM_FEED_BATCH_SIZE): {o.BatchSize} must be from 1 to feed:queue_capacity ({o.QueueCapacity}).");
        }

        if (o.PublishTimeoutSecs is < 1 or > 3600)
        {
            errors.Add($"feed:publish_timeout_secs (CERTSTREAM_FEED_PUBLISH_TIMEOUT_SECS): {o.PublishTimeoutSecs} must be from 1 to 3600.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
