using System.Diagnostics.Metrics;
using System.Net;
using System.Net.WebSockets;
using CertStream.Contracts;
using CertStream.Gateway.Telemetry;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Gateway;

/// <summary>Redis going away and coming back, and the node shutting down.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ResilienceTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task HealthFollowsRedisAndClientsKeepReceivingAfterARedisRestart()
    {
        var ct = TestContext.Current.CancellationToken;
        // Its own Redis: this test stops it.
        await using var server = await RedisTestServer.StartAsync(ct);
        await using var gateway = await GatewayHost.StartAsync(server.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(server.ConnectionString);
        using var http = new HttpClient();
        await using var ws = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        using var tcp = await TcpTestClient.ConnectAsync(gateway.TcpPort, 'f', ct);
        await Eventually.TrueAsync(() => gateway.Hub.Topic(StreamKind.Full).IsSubscribed, Wait, "full stream subscribed", ct);

        using (var healthy = await http.GetAsync(gateway.Http("/health"), ct))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
            Assert.Equal("OK", await healthy.Content.ReadAsStringAsync(ct));
        }

        var before = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, before);
        Assert.Equal(before, await ws.ReceiveTextAsync(ct));

        await server.StopAsync();
        await Eventually.TrueAsync(async () => (await http.GetAsync(gateway.Http("/health"), ct)).StatusCode == HttpStatusCode.ServiceUnavailable,
            Wait, "/health reports 503 while Redis is down", ct);

        await server.StartAgainAsync(ct);
        await Eventually.TrueAsync(async () => (await http.GetAsync(gateway.Http("/health"), ct)).StatusCode == HttpStatusCode.OK,
            Wait, "/health reports 200 once Redis is back", ct);

        // SE.Redis re-subscribes on reconnect: the first publish that reaches a subscriber reaches the clients.
        byte[]? delivered = null;
        await Eventually.TrueAsync(async () =>
        {
            var probe = TestMessages.Create(StreamKind.Lite);
            if (await publisher.PublishAsync(StreamKind.Lite, probe) > 0)
            {
                delivered = probe;
                return true;
            }

            return false;
        }, Wait, "the node subscribed again", ct);
        Assert.Equal(delivered, await ReceiveSkippingHeartbeatsAsync(ws, ct));

        var after = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, after);
        Assert.Equal(after, await ReceiveSkippingHeartbeatsAsync(ws, ct));

        var full = TestMessages.Create(StreamKind.Full);
        await Eventually.TrueAsync(async () => await publisher.PublishAsync(StreamKind.Full, full) > 0, Wait, "full stream subscribed again", ct);
        Assert.Equal(full, await ReadLineSkippingHeartbeatsAsync(tcp, ct));
        Assert.Equal(WebSocketState.Open, ws.Socket.State);
    }

    [Fact]
    public async Task ANodeStartedWhileRedisIsDownServesOnceItComesUp()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await RedisTestServer.StartAsync(ct);
        await server.StopAsync();
        // The node's first connect attempt waits out the connect timeout before the node starts.
        await using var gateway = await GatewayHost.StartAsync(server.ConnectionString + ",connectTimeout=1000", cancellationToken: ct);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(gateway.Http("/health"), ct)).StatusCode);

        // Clients are accepted meanwhile (they get heartbeats) ...
        await using var ws = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/domains-only"), ct);

        // ... and get the stream once Redis is there.
        await server.StartAgainAsync(ct);
        await using var publisher = await StreamPublisher.ConnectAsync(server.ConnectionString);
        byte[]? delivered = null;
        await Eventually.TrueAsync(async () =>
        {
            var probe = TestMessages.Create(StreamKind.Domains);
            if (await publisher.PublishAsync(StreamKind.Domains, probe) > 0)
            {
                delivered = probe;
                return true;
            }

            return false;
        }, Wait, "the node subscribed", ct);
        Assert.Equal(delivered, await ReceiveSkippingHeartbeatsAsync(ws, ct));
        await Eventually.TrueAsync(async () => (await http.GetAsync(gateway.Http("/health"), ct)).StatusCode == HttpStatusCode.OK,
            Wait, "/health reports 200", ct);
    }

    [Fact]
    public async Task ShutdownClosesEveryClientProperlyAndLeavesNothingBehind()
    {
        var ct = TestContext.Current.CancellationToken;
        long clients = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == TelemetryNames.Gateway && instrument.Name == GatewayMetrics.ClientsName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref clients, value));
        listener.Start();

        // Stopping may wait ten minutes for handlers: a handler that held the shutdown up would miss
        // the deadline below by far, however busy the machine.
        var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct, shutdownTimeout: TimeSpan.FromMinutes(10));
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var ws = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/full-stream"), ct);
        await using var sse = await SseTestClient.ConnectAsync(gateway.Http("/sse"), ct);
        using var tcp = await TcpTestClient.ConnectAsync(gateway.TcpPort, 'd', ct);
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 3, Wait, "three clients", ct);
        Assert.Equal(3, Interlocked.Read(ref clients));
        foreach (var kind in StreamKinds.All)
        {
            Assert.Equal(1, await publisher.SubscribersAsync(kind));
        }

        var stopping = gateway.DisposeAsync().AsTask();

        // WebSocket: a close frame 1001 "going away", answered by the client.
        var (type, _) = await ws.ReceiveAsync(ct);
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, ws.Socket.CloseStatus);
        Assert.Equal("server shutting down", ws.Socket.CloseStatusDescription);
        await ws.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", ct);

        // SSE: a comment saying why, and the stream ends. TCP: the stream ends.
        Assert.Equal(": closed: server shutting down", TestMessages.Text((await sse.ReadRecordAsync(ct))!));
        Assert.Null(await sse.ReadRecordAsync(ct));
        Assert.Null(await tcp.ReadLineAsync(ct));

        await stopping.WaitAsync(TimeSpan.FromMinutes(1), ct);
        Assert.Equal(0, Interlocked.Read(ref clients));
        foreach (var kind in StreamKinds.All)
        {
            Assert.Equal(0, await publisher.SubscribersAsync(kind));
        }
    }

    private static async Task<byte[]> ReceiveSkippingHeartbeatsAsync(WebSocketTestClient ws, CancellationToken ct)
    {
        while (true)
        {
            var message = await ws.ReceiveTextAsync(ct);
            if (!TestMessages.Text(message).Contains("\"heartbeat\"", StringComparison.Ordinal))
            {
                return message;
            }
        }
    }

    private static async Task<byte[]?> ReadLineSkippingHeartbeatsAsync(TcpTestClient tcp, CancellationToken ct)
    {
        while (true)
        {
            var line = await tcp.ReadLineAsync(ct);
            if (line is null || !TestMessages.Text(line).Contains("\"heartbeat\"", StringComparison.Ordinal))
            {
                return line;
            }
        }
    }
}
