using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using CertStream.Contracts;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.Gateway;

/// <summary>Heartbeats, pings and dead peers, driven by a fake clock: nothing here sleeps.</summary>
[Collection(GatewayCollection.Name)]
public sealed class LivenessTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task WebSocketGetsAHeartbeatAfterTenSecondsOfSilenceAndNotBefore()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-05-20T18:48:14.512Z", CultureInfo.InvariantCulture));
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, time: time, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var ws = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct, clientPings: false);

        // Nine quiet seconds: no heartbeat yet, so the next frame is the message published now.
        await AdvanceAsync(time, 9);
        var message = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, message);
        Assert.Equal(message, await ws.ReceiveTextAsync(ct));

        // The message restarted the silence: ten more seconds bring the heartbeat.
        await AdvanceAsync(time, 10);
        var heartbeat = await ws.ReceiveTextAsync(ct);
        AssertHeartbeat(heartbeat, time.GetUtcNow());
    }

    [Theory]
    [InlineData("sse")]
    [InlineData("tcp")]
    public async Task SseAndTcpGetHeartbeatsToo(string protocol)
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, time: time, cancellationToken: ct);
        Func<Task<byte[]?>> read;
        IAsyncDisposable? sse = null;
        TcpTestClient? tcp = null;
        if (protocol == "sse")
        {
            var client = await SseTestClient.ConnectAsync(gateway.Http("/sse?stream=domains"), ct);
            sse = client;
            read = () => client.ReadEventAsync(ct);
        }
        else
        {
            tcp = await TcpTestClient.ConnectAsync(gateway.TcpPort, 'd', ct);
            var client = tcp;
            read = () => client.ReadLineAsync(ct);
        }

        try
        {
            await Eventually.TrueAsync(() => gateway.Hub.Topic(StreamKind.Domains).Clients.Length == 1, Wait, "client registered", ct);
            await AdvanceAsync(time, 10);
            AssertHeartbeat(await read(), time.GetUtcNow());
            await AdvanceAsync(time, 10);
            AssertHeartbeat(await read(), time.GetUtcNow());
        }
        finally
        {
            tcp?.Dispose();
            if (sse is not null)
            {
                await sse.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// certstream-go pings every 15 s and gives each JSON read 15 s: its pings, our pongs and our
    /// pings must not put the heartbeat off. Whatever the client's ping interval, the next JSON
    /// message comes exactly 10 s (one tick) after the last one.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(15)]
    public async Task AHeartbeatFollowsTenSecondsWithoutDataWhateverControlFramesFlow(int clientPingSecs)
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, time: time, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        using var client = await RawWebSocketClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        var message = TestMessages.Create(StreamKind.Lite);
        var lastJson = 0;
        var heartbeats = 0;
        var second = 0;

        // Reads until a frame matches, answering the server's pings and checking every JSON message's timing.
        async Task ReadUntilAsync(Func<RawWebSocketClient.Frame, bool> match, string what)
        {
            while (true)
            {
                RawWebSocketClient.Frame? frame;
                try
                {
                    frame = await client.ReadFrameAsync(ct);
                }
                catch (TimeoutException)
                {
                    throw new Xunit.Sdk.XunitException($"no {what} at {second} s; last JSON message at {lastJson} s");
                }

                Assert.NotNull(frame);
                if (frame.IsPing)
                {
                    await client.SendFrameAsync(0xA, frame.Payload, ct);
                }
                else if (frame.IsText)
                {
                    if (frame.Text.Contains("heartbeat", StringComparison.Ordinal))
                    {
                        Assert.True(second - lastJson == 10, $"heartbeat at {second} s, last JSON message at {lastJson} s");
                        heartbeats++;
                    }

                    lastJson = second;
                }

                if (match(frame))
                {
                    return;
                }
            }
        }

        for (second = 1; second <= 65; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            if (second == 23)
            {
                await publisher.PublishAsync(StreamKind.Lite, message);
                await ReadUntilAsync(f => f.IsText && f.Payload.AsSpan().SequenceEqual(message), "message");
            }

            if (second % clientPingSecs == 0)
            {
                var payload = System.Text.Encoding.ASCII.GetBytes($"ping {second}");
                await client.SendFrameAsync(0x9, payload, ct);
                await ReadUntilAsync(f => f.IsPong && f.Payload.AsSpan().SequenceEqual(payload), "pong");
            }

            if (second - lastJson == 10)
            {
                await ReadUntilAsync(f => f.IsText, "heartbeat");
            }
        }

        // 10, 20, then (after the message at 23) 33, 43, 53, 63.
        Assert.Equal(6, heartbeats);
    }

    [Fact]
    public async Task ServerPingsEveryThirtySecondsAndAPeerThatAnswersStaysConnected()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, time: time, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        using var client = await RawWebSocketClient.ConnectAsync(gateway.WebSocketUri("/"), ct);

        // Four minutes, answering every ping: far past the 90 s dead-peer limit, still served.
        // Each heartbeat is awaited before the clock moves on, so the server sees time pass as it would.
        var pings = 0;
        for (var second = 1; second <= 240; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            if (second % 10 != 0)
            {
                continue;
            }

            while (true)
            {
                RawWebSocketClient.Frame? next;
                try
                {
                    next = await client.ReadFrameAsync(ct);
                }
                catch (TimeoutException)
                {
                    throw new Xunit.Sdk.XunitException($"no heartbeat at {second} s ({pings} pings so far)");
                }

                if (next is null)
                {
                    throw new Xunit.Sdk.XunitException($"closed at {second} s");
                }

                if (next.IsPing)
                {
                    Assert.Equal(0, second % 30);
                    await client.SendFrameAsync(0xA, next.Payload, ct);
                    await WaitUntilServerHeardFromAsync(gateway, time, ct);
                    pings++;
                }
                else if (next.IsText && next.Text.Contains("heartbeat", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }

        Assert.Equal(8, pings);
        var message = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, message);
        var frame = await client.ReadUntilAsync(f => !f.IsText || !f.Text.Contains("heartbeat", StringComparison.Ordinal), ct);
        Assert.True(frame.IsText);
        Assert.Equal(message, frame.Payload);
    }

    [Fact]
    public async Task APeerThatStopsAnsweringIsClosedAfterNinetySeconds()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, time: time, cancellationToken: ct);
        using var client = await RawWebSocketClient.ConnectAsync(gateway.WebSocketUri("/full-stream"), ct);

        // Reads everything (heartbeats, pings) but never answers.
        await AdvanceAsync(time, 89);
        Assert.Single(gateway.Hub.Topic(StreamKind.Full).Clients);
        time.Advance(TimeSpan.FromSeconds(1));
        var close = await client.ReadUntilAsync(f => f.IsClose, ct);
        Assert.Equal(1008, close.CloseCode);
        Assert.Equal("no reply to pings", close.CloseReason);

        await client.SendCloseAsync(1000, ct);
        Assert.Null(await client.ReadFrameAsync(ct)); // then the server closes the TCP connection
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 0, Wait, "client unregistered", ct);
    }

    [Fact]
    public async Task AClientThatNeverPingsIsServedIndefinitely()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, time: time, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        // ClientWebSocket without keep-alive never pings, but answers the server's pings, like websocat.
        await using var ws = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct, clientPings: false);

        for (var second = 1; second <= 200; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            if (second % 10 == 0)
            {
                // ClientWebSocket answers the server's ping (at every 30 s) while reading.
                AssertHeartbeat(await ws.ReceiveTextAsync(ct), time.GetUtcNow());
                if (second % 30 == 0)
                {
                    await WaitUntilServerHeardFromAsync(gateway, time, ct);
                }
            }
        }

        var message = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, message);
        Assert.Equal(message, await ws.ReceiveTextAsync(ct));
        Assert.Equal(WebSocketState.Open, ws.Socket.State);
    }

    [Fact]
    public async Task PingsFromTheClientAreAnsweredWithTheirPayload()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        using var client = await RawWebSocketClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        await client.SendFrameAsync(0x9, "are you there?"u8.ToArray(), ct);
        var pong = await client.ReadUntilAsync(f => f.IsPong, ct);
        Assert.Equal("are you there?", pong.Text);
    }

    [Fact]
    public async Task InboundMessagesAreReadAndIgnored()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        using var client = await RawWebSocketClient.ConnectAsync(gateway.WebSocketUri("/"), ct);

        // What certstream frontends send: a "ping" text every few seconds; plus a fragmented message.
        await client.SendFrameAsync(0x1, "ping"u8.ToArray(), ct);
        await client.SendFrameAsync(0x1, "{\"subscribe\":"u8.ToArray(), ct, fin: false);
        await client.SendFrameAsync(0x9, [], ct); // control frames may come between fragments
        await client.SendFrameAsync(0x0, "\"all\"}"u8.ToArray(), ct);
        await client.SendFrameAsync(0x2, new byte[4000], ct);
        Assert.True((await client.ReadUntilAsync(f => f.IsPong, ct)).IsPong);

        var message = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, message);
        var frame = await client.ReadFrameAsync(ct);
        Assert.True(frame!.IsText);
        Assert.Equal(message, frame.Payload);
    }

    [Fact]
    public async Task AnInboundMessageOverTheCapClosesWith1009()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(
            redis.ConnectionString, new Dictionary<string, string?> { ["gateway:max_inbound_message_bytes"] = "1000" }, cancellationToken: ct);
        using var client = await RawWebSocketClient.ConnectAsync(gateway.WebSocketUri("/"), ct);

        // 600 + 600 bytes in two fragments: each frame is small, the message is not.
        await client.SendFrameAsync(0x1, new byte[600], ct, fin: false);
        await client.SendFrameAsync(0x0, new byte[600], ct);
        var close = await client.ReadUntilAsync(f => f.IsClose, ct);
        Assert.Equal(1009, close.CloseCode);
        await client.SendCloseAsync(1009, ct);
        Assert.Null(await client.ReadFrameAsync(ct));
    }

    [Theory]
    [InlineData("unmasked")]
    [InlineData("rsv")]
    [InlineData("opcode")]
    [InlineData("long-ping")]
    [InlineData("stray-continuation")]
    public async Task ProtocolViolationsCloseWith1002(string violation)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        using var client = await RawWebSocketClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        switch (violation)
        {
            case "unmasked":
                await client.SendFrameAsync(0x1, "hi"u8.ToArray(), ct, mask: false);
                break;
            case "rsv":
                await client.SendFrameAsync(0x40 | 0x1, "hi"u8.ToArray(), ct);
                break;
            case "opcode":
                await client.SendFrameAsync(0x3, "hi"u8.ToArray(), ct);
                break;
            case "long-ping":
                await client.SendFrameAsync(0x9, new byte[126], ct);
                break;
            default:
                await client.SendFrameAsync(0x0, "hi"u8.ToArray(), ct);
                break;
        }

        var close = await client.ReadUntilAsync(f => f.IsClose, ct);
        Assert.Equal(1002, close.CloseCode);
    }

    /// <summary>
    /// The fake clock runs minutes in milliseconds: before moving it on, wait until the node has
    /// read the client's pong, as it would have long before the next ping in real time.
    /// </summary>
    private static Task WaitUntilServerHeardFromAsync(GatewayHost gateway, FakeTimeProvider time, CancellationToken ct)
    {
        var now = time.GetTimestamp();
        return Eventually.TrueAsync(() => gateway.Hub.Topic(StreamKind.Lite).Clients.Single().LastReceivedAt >= now, Wait, "the node read the pong", ct);
    }

    private static async Task AdvanceAsync(FakeTimeProvider time, int seconds)
    {
        for (var i = 0; i < seconds; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        await Task.Yield();
    }

    private static void AssertHeartbeat(byte[]? message, DateTimeOffset now)
    {
        Assert.NotNull(message);
        using var json = JsonDocument.Parse(message);
        Assert.Equal("heartbeat", json.RootElement.GetProperty("message_type").GetString());
        var timestamp = json.RootElement.GetProperty("timestamp");
        Assert.Equal(JsonValueKind.Number, timestamp.ValueKind);
        Assert.Equal(now.ToUnixTimeMilliseconds() / 1000.0, timestamp.GetDouble(), 3);
        Assert.Equal(2, json.RootElement.EnumerateObject().Count());
        Assert.DoesNotContain((byte)'\n', message);
    }
}
