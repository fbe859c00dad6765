using CertStream.Contracts;
using CertStream.Gateway.Fanout;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.Gateway;

/// <summary>
/// A client that stops reading: the others are not held up, the node's memory for it stays within
/// the queue bounds, its losses are counted, and the slow-client policy closes it with a reason.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class SlowClientTests(RedisFixture redis)
{
    private const int MessageSize = 16 * 1024;
    private const int RoundMessages = 32;
    private const long MaxQueueBytes = 2 * 1024 * 1024;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ASlowClientLosesItsOldestMessagesAloneAndIsClosedWithAReason()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        await using var gateway = await StartAsync(time, "disconnect", ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var normal = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        using var slow = await RawWebSocketClient.ConnectAsync(gateway.WebSocketUri("/"), ct, receiveBufferSize: 4096);
        var topic = gateway.Hub.Topic(StreamKind.Lite);
        var slowClient = topic.Clients.Single(slow.Is);
        var normalClient = topic.Clients.Single(c => c != slowClient);

        // Publish until the slow client's socket, the server's buffers and then the queue are
        // full and it starts losing messages, while the normal client reads every one of them.
        // Losses of a client stuck in a write are counted by the once-a-second check.
        var rounds = 0;
        while (slowClient.Dropped == 0)
        {
            Assert.True(++rounds <= 60, "the slow client never fell behind");
            await RoundAsync(publisher, normal, ct);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        AssertBounded(topic, slowClient);
        Assert.Equal(0, normalClient.Dropped);
        Assert.Equal(0, normalClient.Backlog);

        // Scraped drops match what the node counted for this client (the only one dropping).
        var metrics = await ScrapeAsync(gateway, ct);
        Assert.Equal(slowClient.Dropped, metrics.Sum("certstream_gateway_messages_dropped_total", ("stream", "lite"), ("protocol", "websocket")));
        Assert.InRange(metrics.Sum("certstream_gateway_queue_bytes", ("stream", "lite")), 1, MaxQueueBytes);
        Assert.InRange(metrics.Sum("certstream_gateway_queue_max_depth", ("stream", "lite")), 1, 1000);

        // Still losing messages in every second: closed once the 3 s grace has passed, not before.
        for (var second = 1; second <= 2; second++)
        {
            await RoundAsync(publisher, normal, ct);
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.False(slowClient.IsClosing, $"closed after {second} s");
        }

        await RoundAsync(publisher, normal, ct);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DisconnectReason.SlowClient, slowClient.CloseReason);
        AssertBounded(topic, slowClient);

        // When it reads again it finds what was in flight, then the close frame saying why.
        var close = await slow.ReadUntilAsync(f => f.IsClose, ct);
        Assert.Equal(1008, close.CloseCode);
        Assert.StartsWith("client too slow: ", close.CloseReason);
        Assert.EndsWith(" messages dropped", close.CloseReason);
        await slow.SendCloseAsync(1000, ct);
        Assert.Null(await slow.ReadFrameAsync(ct));

        await Eventually.TrueAsync(() => topic.Clients.Length == 1, Wait, "slow client unregistered", ct);
        metrics = await ScrapeAsync(gateway, ct);
        Assert.Equal(1, metrics.Sum("certstream_gateway_disconnects_total", ("reason", "slow_client"), ("protocol", "websocket")));
        Assert.Equal(1, metrics.Sum("certstream_gateway_clients", ("stream", "lite"), ("protocol", "websocket")));

        // And the normal client never noticed.
        await RoundAsync(publisher, normal, ct);
        Assert.Equal(0, normalClient.Dropped);
    }

    [Fact]
    public async Task WithTheDropPolicyASlowClientOnlyLosesMessages()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        await using var gateway = await StartAsync(time, "drop", ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var normal = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        using var slow = await RawWebSocketClient.ConnectAsync(gateway.WebSocketUri("/"), ct, receiveBufferSize: 4096);
        var topic = gateway.Hub.Topic(StreamKind.Lite);
        var slowClient = topic.Clients.Single(slow.Is);

        var rounds = 0;
        while (slowClient.Dropped == 0)
        {
            Assert.True(++rounds <= 60, "the slow client never fell behind");
            await RoundAsync(publisher, normal, ct);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        for (var second = 1; second <= 10; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await RoundAsync(publisher, normal, ct);
        }

        Assert.False(slowClient.IsClosing);
        AssertBounded(topic, slowClient);

        // Reading again, it gets a contiguous tail of the stream: the oldest messages went, not random ones.
        var ids = new List<int>();
        var lastRound = new List<byte[]>();
        for (var i = 0; i < RoundMessages; i++)
        {
            lastRound.Add(TestMessages.OfSize(MessageSize));
        }

        foreach (var message in lastRound)
        {
            await publisher.PublishAsync(StreamKind.Lite, message);
        }

        var last = lastRound[^1];
        while (true)
        {
            var frame = await slow.ReadFrameAsync(ct);
            Assert.NotNull(frame);
            if (!frame.IsText || frame.Text.Contains("heartbeat", StringComparison.Ordinal))
            {
                continue;
            }

            ids.Add(MessageId(frame.Payload));
            if (frame.Payload.AsSpan().SequenceEqual(last))
            {
                break;
            }
        }

        // In order, and after the first gap (the buffered part ends) no further gaps.
        Assert.Equal(ids.Order(), ids);
        var gaps = ids.Zip(ids.Skip(1)).Count(p => p.Second != p.First + 1);
        Assert.InRange(gaps, 1, 1);
    }

    private async Task<GatewayHost> StartAsync(FakeTimeProvider time, string policy, CancellationToken ct) =>
        await GatewayHost.StartAsync(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["buffer_size"] = "1000",
            ["gateway:max_queue_bytes"] = MaxQueueBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["gateway:slow_client_policy"] = policy,
            ["gateway:slow_client_grace_secs"] = "3",
        }, time, ct);

    /// <summary>Publishes a round of messages and checks that the normal client got all of them, in order.</summary>
    private static async Task RoundAsync(StreamPublisher publisher, WebSocketTestClient normal, CancellationToken ct)
    {
        var messages = Enumerable.Range(0, RoundMessages).Select(_ => TestMessages.OfSize(MessageSize)).ToArray();
        foreach (var message in messages)
        {
            await publisher.PublishAsync(StreamKind.Lite, message);
        }

        foreach (var message in messages)
        {
            Assert.Equal(message, await normal.ReceiveTextAsync(ct));
        }
    }

    private static void AssertBounded(StreamTopic topic, ClientConnection slow)
    {
        Assert.InRange(topic.Ring.Bytes, 0, MaxQueueBytes);
        Assert.InRange(slow.Backlog, 0, Math.Min(1000, MaxQueueBytes / MessageSize));
    }

    private static async Task<PrometheusText> ScrapeAsync(GatewayHost gateway, CancellationToken ct)
    {
        using var http = new HttpClient();
        return PrometheusText.Parse(await http.GetStringAsync(gateway.Http("/metrics"), ct));
    }

    private static int MessageId(byte[] message)
    {
        var text = TestMessages.Text(message);
        var at = text.IndexOf("\"id\":", StringComparison.Ordinal) + 5;
        return int.Parse(text[at..text.IndexOf(',', at)], System.Globalization.CultureInfo.InvariantCulture);
    }
}
