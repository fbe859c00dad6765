using StackExchange.Redis;

namespace CertStream.Tests.Infrastructure;

public sealed class RedisTestServerTests
{
    [Fact]
    public async Task PubSubWorksAndSurvivesRestart()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await RedisTestServer.StartAsync(ct);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",abortConnect=false");
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await mux.GetSubscriber().SubscribeAsync(RedisChannel.Literal("t"), (_, v) => received.TrySetResult(v!));
        await mux.GetSubscriber().PublishAsync(RedisChannel.Literal("t"), "hello");
        Assert.Equal("hello", await received.Task.WaitAsync(TimeSpan.FromSeconds(10), ct));

        await server.StopAsync();
        await server.StartAgainAsync(ct);
        Assert.True(server.IsRunning, server.Kind);
    }
}
