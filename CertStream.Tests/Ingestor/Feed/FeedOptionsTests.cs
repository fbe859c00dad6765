using CertStream.Ingestor.Feed;
using CertStream.ServiceDefaults.Configuration;
using Microsoft.Extensions.Configuration;

namespace CertStream.Tests.Ingestor.Feed;

public sealed class FeedOptionsTests
{
    [Theory]
    [InlineData(null, null, false)]
    [InlineData(null, "amqp://guest:guest@127.0.0.1:5672/", true)] // a rabbitmq connection string switches it on
    [InlineData("false", "amqp://guest:guest@127.0.0.1:5672/", false)]
    [InlineData("true", "amqp://guest:guest@127.0.0.1:5672/", true)]
    [InlineData(" True ", "amqp://guest:guest@127.0.0.1:5672/", true)]
    public void Enabled_by_the_key_or_by_a_connection_string(string? enabled, string? connection, bool expected)
    {
        Assert.Equal(expected, FeedOptions.IsEnabled(Configuration(enabled, connection)));
    }

    [Fact]
    public void Enabled_without_a_connection_string_names_both_keys()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => FeedOptions.IsEnabled(Configuration("true", null)));
        Assert.StartsWith("feed:enabled (CERTSTREAM_FEED_ENABLED)", ex.Message);
        Assert.Contains("ConnectionStrings__rabbitmq", ex.Message);
    }

    [Fact]
    public void A_value_that_is_not_a_boolean_names_the_key()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => FeedOptions.IsEnabled(Configuration("yes", "amqp://x/")));
        Assert.StartsWith("feed:enabled (CERTSTREAM_FEED_ENABLED): 'yes'", ex.Message);
    }

    [Fact]
    public void Validator_names_each_bad_key()
    {
        var result = new FeedOptionsValidator().Validate(null, new FeedOptions { QueueCapacity = 8, BatchSize = 0, PublishTimeoutSecs = 0 });
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("feed:queue_capacity (CERTSTREAM_FEED_QUEUE_CAPACITY)", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("feed:batch_size (CERTSTREAM_FEED_BATCH_SIZE)", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("feed:publish_timeout_secs (CERTSTREAM_FEED_PUBLISH_TIMEOUT_SECS)", StringComparison.Ordinal));
        Assert.True(new FeedOptionsValidator().Validate(null, new FeedOptions()).Succeeded);
    }

    [Fact]
    public void The_variables_map_to_the_feed_section()
    {
        Assert.Equal("feed:enabled", CertStreamEnvironmentVariables.Keys["CERTSTREAM_FEED_ENABLED"]);
        Assert.Equal("feed:queue_capacity", CertStreamEnvironmentVariables.Keys["CERTSTREAM_FEED_QUEUE_CAPACITY"]);
        Assert.Equal("feed:batch_size", CertStreamEnvironmentVariables.Keys["CERTSTREAM_FEED_BATCH_SIZE"]);
    }

    private static IConfiguration Configuration(string? enabled, string? connection) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["feed:enabled"] = enabled,
            ["ConnectionStrings:rabbitmq"] = connection,
        }).Build();
}
