using System.Text;
using CertStream.Contracts;
using StackExchange.Redis;

namespace CertStream.Tests.Gateway.Support;

/// <summary>Plays the ingestors: publishes serialized messages to the stream channels and sets the example keys.</summary>
public sealed class StreamPublisher : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis;

    private StreamPublisher(ConnectionMultiplexer redis) => _redis = redis;

    public IConnectionMultiplexer Redis => _redis;

    public static async Task<StreamPublisher> ConnectAsync(string connectionString) =>
        new(await ConnectionMultiplexer.ConnectAsync(connectionString + ",abortConnect=false"));

    /// <summary>Publishes; returns how many subscribers (gateway nodes) got it.</summary>
    public Task<long> PublishAsync(StreamKind kind, byte[] message) =>
        _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisNames.StreamChannel(kind)), message);

    public Task<long> PublishAsync(StreamKind kind, string message) => PublishAsync(kind, Encoding.UTF8.GetBytes(message));

    /// <summary>Subscribers of a stream channel on the Redis server (PUBSUB NUMSUB).</summary>
    public async Task<long> SubscribersAsync(StreamKind kind)
    {
        var result = await _redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", RedisNames.StreamChannel(kind));
        return (long)((RedisResult[])result!)[1];
    }

    public Task SetExampleAsync(StreamKind kind, byte[] message) => _redis.GetDatabase().StringSetAsync(RedisNames.ExampleKey(kind), message);

    public Task DeleteExamplesAsync() => _redis.GetDatabase().KeyDeleteAsync([.. StreamKinds.All.Select(k => (RedisKey)RedisNames.ExampleKey(k))]);

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();
}
