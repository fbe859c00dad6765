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

    /// <summary>
    /// Ingestors publish in batches, so even a client that never reads loses messages only in the
    /// seconds a batch arrives. It is closed as slow within the grace period of its first loss all
    /// the same (not cut 90 s later as a dead peer or stalled write), counted under its reason, and
    /// told why if it reads again: a 1008 close frame, an SSE comment, a TCP reset.
    /// </summary>
    [Theory]
    [InlineData("websocket")]
    [InlineData("sse")]
    [InlineData("tcp")]
    public async Task ANeverReadingClientIsClosedAsSlowAfterTheGraceThoughMessagesComeInBursts(string protocol)
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        await using var gateway = await StartAsync(time, "disconnect", ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var normal = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        var topic = gateway.Hub.Topic(StreamKind.Lite);
        await Eventually.TrueAsync(() => topic.Clients.Length == 1, Wait, "normal client registered", ct);
        var normalClient = topic.Clients.Single();

        RawWebSocketClient? ws = null;
        SseTestClient? sse = null;
        TcpTestClient? tcp = null;
        try
        {
            switch (protocol)
            {
                case "websocket":
                    ws = await RawWebSocketClient.ConnectAsync(gateway.WebSocketUri("/"), ct, receiveBufferSize: 4096);
                    break;
                case "sse":
                    sse = await SseTestClient.ConnectAsync(gateway.Http("/sse?stream=lite"), ct, receiveBufferSize: 4096);
                    break;
                default:
                    tcp = await TcpTestClient.ConnectAsync(gateway.TcpPort, 'l', ct, receiveBufferSize: 4096);
                    break;
            }

            await Eventually.TrueAsync(() => topic.Clients.Length == 2, Wait, "slow client registered", ct);
            var slowClient = topic.Clients.Single(c => c != normalClient);

            // A batch every third second; the clock moves a second at a time.
            var firstLoss = 0;
            for (var second = 1; !slowClient.IsClosing; second++)
            {
                Assert.True(second <= 120, "the slow client was never closed");
                if (second % 3 == 1)
                {
                    await RoundAsync(publisher, normal, ct);
                }

                time.Advance(TimeSpan.FromSeconds(1));
                if (firstLoss == 0 && slowClient.Dropped > 0)
                {
                    firstLoss = second;
                }

                if (firstLoss > 0 && !slowClient.IsClosing)
                {
                    Assert.True(second - firstLoss < 3, $"still open {second - firstLoss} s after its first loss (grace 3 s)");
                }
            }

            Assert.True(firstLoss > 0, "closed before it lost anything");
            Assert.Equal(DisconnectReason.SlowClient, slowClient.CloseReason);
            AssertBounded(topic, slowClient);
            Assert.Equal(0, normalClient.Dropped);

            // Reading again, it finds what was in flight and then the reason (TCP: a reset).
            switch (protocol)
            {
                case "websocket":
                    var close = await ws!.ReadUntilAsync(f => f.IsClose, ct);
                    Assert.Equal(1008, close.CloseCode);
                    Assert.Equal($"client too slow: {slowClient.Dropped} messages dropped", close.CloseReason);
                    await ws.SendCloseAsync(1008, ct);
                    Assert.Null(await ws.ReadFrameAsync(ct));
                    break;
                case "sse":
                    byte[]? last = null;
                    while (await sse!.ReadRecordAsync(ct) is { } record)
                    {
                        last = record;
                    }

                    Assert.NotNull(last);
                    Assert.Equal($": closed: client too slow: {slowClient.Dropped} messages dropped", TestMessages.Text(last));
                    break;
                default:
                    var reset = await Assert.ThrowsAnyAsync<IOException>(async () =>
                    {
                        while (await tcp!.ReadLineAsync(ct) is not null)
                        {
                        }
                    });
                    Assert.Equal(System.Net.Sockets.SocketError.ConnectionReset, Assert.IsType<System.Net.Sockets.SocketException>(reset.InnerException).SocketErrorCode);
                    break;
            }

            await Eventually.TrueAsync(() => topic.Clients.Length == 1, Wait, "slow client unregistered", ct);
            var metrics = await ScrapeAsync(gateway, ct);
            Assert.Equal(1, metrics.Sum("certstream_gateway_disconnects_total", ("reason", "slow_client"), ("protocol", protocol)));
            await RoundAsync(publisher, normal, ct);
            Assert.Equal(0, normalClient.Dropped);
        }
        finally
        {
            ws?.Dispose();
            tcp?.Dispose();
            if (sse is not null)
            {
                await sse.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A client that answers pings but reads a quarter of the stream is not a dead peer; it is slow,
    /// and is closed as such within the grace period, though it loses messages only in some seconds.
    /// </summary>
    [Fact]
    public async Task AReaderThatKeepsFallingBehindIsClosedThoughItAnswersPings()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        await using var gateway = await StartAsync(time, "disconnect", ct, ("gateway:ping_interval_secs", "2"));
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var normal = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        using var slow = await RawWebSocketClient.ConnectAsync(gateway.WebSocketUri("/"), ct, receiveBufferSize: 4096);
        var topic = gateway.Hub.Topic(StreamKind.Lite);
        await Eventually.TrueAsync(() => topic.Clients.Length == 2, Wait, "clients registered", ct);
        var slowClient = topic.Clients.Single(slow.Is);

        // A batch of 32 every other second; the slow client reads 8 frames a second (and answers pings).
        var firstLoss = 0;
        var pongs = 0;
        for (var second = 1; !slowClient.IsClosing; second++)
        {
            Assert.True(second <= 120, "the slow reader was never closed");
            if (second % 2 == 1)
            {
                await RoundAsync(publisher, normal, ct);
            }

            for (var frames = 0; frames < RoundMessages / 4; frames++)
            {
                var frame = await slow.ReadFrameAsync(ct);
                Assert.NotNull(frame);
                if (frame.IsPing)
                {
                    await slow.SendFrameAsync(0xA, frame.Payload, ct);
                    pongs++;
                }
            }

            time.Advance(TimeSpan.FromSeconds(1));
            if (firstLoss == 0 && slowClient.Dropped > 0)
            {
                firstLoss = second;
            }

            if (firstLoss > 0 && !slowClient.IsClosing)
            {
                Assert.True(second - firstLoss < 3, $"still open {second - firstLoss} s after its first loss (grace 3 s)");
            }
        }

        Assert.True(firstLoss > 0, "closed before it lost anything");
        Assert.True(pongs > 0, "the server never pinged");
        Assert.Equal(DisconnectReason.SlowClient, slowClient.CloseReason);
        var close = await slow.ReadUntilAsync(f => f.IsClose, ct);
        Assert.Equal(1008, close.CloseCode);
        Assert.StartsWith("client too slow: ", close.CloseReason);
    }

    /// <summary>
    /// A client that loses messages once (it paused) and then reads everything has caught up: the
    /// grace period starts afresh, and a stream that keeps flowing does not make it look behind.
    /// </summary>
    [Fact]
    public async Task AClientThatCatchesUpAfterALossIsKept()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        await using var gateway = await StartAsync(time, "disconnect", ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var normal = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        using var paused = await RawWebSocketClient.ConnectAsync(gateway.WebSocketUri("/"), ct, receiveBufferSize: 4096);
        var topic = gateway.Hub.Topic(StreamKind.Lite);
        await Eventually.TrueAsync(() => topic.Clients.Length == 2, Wait, "clients registered", ct);
        var pausedClient = topic.Clients.Single(paused.Is);

        // Paused until it has lost messages.
        byte[] last = [];
        for (var rounds = 1; pausedClient.Dropped == 0; rounds++)
        {
            Assert.True(rounds <= 60, "the paused client never fell behind");
            last = (await RoundAsync(publisher, normal, ct))[^1];
            time.Advance(TimeSpan.FromSeconds(1));
        }

        // Then it reads everything, every second, for three times the grace period.
        for (var second = 1; second <= 9; second++)
        {
            await paused.ReadUntilAsync(f => f.IsText && f.Payload.AsSpan().SequenceEqual(last), ct);
            await Eventually.TrueAsync(() => pausedClient.Backlog == 0, Wait, "the node wrote the paused client's backlog", ct);
            last = (await RoundAsync(publisher, normal, ct))[^1];
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.False(pausedClient.IsClosing, $"closed {second} s after it started reading again ({pausedClient.CloseReason})");
        }
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
            // Heartbeats, and the notice of the loss (DropNoticeTests checks its count), are not stream messages.
            if (!frame.IsText || frame.Text.Contains("heartbeat", StringComparison.Ordinal) || frame.Text.Contains("messages_dropped", StringComparison.Ordinal))
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

    private async Task<GatewayHost> StartAsync(FakeTimeProvider time, string policy, CancellationToken ct, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["buffer_size"] = "1000",
            ["gateway:max_queue_bytes"] = MaxQueueBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["gateway:slow_client_policy"] = policy,
            ["gateway:slow_client_grace_secs"] = "3",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return await GatewayHost.StartAsync(redis.ConnectionString, settings, time, ct);
    }

    /// <summary>Publishes a round of messages and checks that the normal client got all of them, in order; returns them.</summary>
    private static async Task<byte[][]> RoundAsync(StreamPublisher publisher, WebSocketTestClient normal, CancellationToken ct)
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

        return messages;
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
