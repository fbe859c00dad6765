using System.Net.WebSockets;
using System.Text;
using CertStream.Contracts;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using StackExchange.Redis;

namespace CertStream.Tests.Gateway;

public sealed class GatewaySmokeTests
{
    [Fact]
    public async Task WebSocketClientReceivesPublishedMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisTestServer.StartAsync(ct);
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(gateway.WebSocketUri("/"), ct);
        var payload = "{\"message_type\":\"certificate_update\",\"data\":{}}";
        await mux.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisNames.StreamChannel(StreamKind.Lite)), payload);
        var buffer = new byte[4096];
        var result = await ws.ReceiveAsync(buffer, ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        Assert.Equal(payload, Encoding.UTF8.GetString(buffer, 0, result.Count));
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.CloseStatus);
    }
}
