using System.Net;
using System.Net.WebSockets;
using System.Text;
using CertStream.Contracts;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using CertStream.Tests.Gateway.Access.Support;

namespace CertStream.Tests.Gateway.Access;

/// <summary>
/// <c>auth:</c> on a real node: every stream needs a token (header, ?token=, TCP AUTH line), a
/// refusal is a 401 before any upgrade or stream and leaves nothing registered.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class AuthTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private Task<GatewayHost> StartAsync(CancellationToken ct, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["auth:enabled"] = "true",
            ["auth:tokens:0"] = "alpha-token",
            ["auth:tokens:1"] = "beta-token",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return GatewayHost.StartAsync(redis.ConnectionString, settings, cancellationToken: ct);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token")]
    [InlineData("Bearer alpha-token-but-longer")]
    [InlineData("Basic alpha-token")]
    public async Task AMissingOrWrongTokenIsRefusedWith401BeforeTheUpgradeOrStream(string? authorization)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await StartAsync(ct);
        (string, string)[] headers = authorization is null ? [] : [("Authorization", authorization)];
        var before = await AccessClients.RefusedAsync(gateway, "unauthorized", null, ct);

        var (socket, status, responseHeaders) = await AccessClients.WebSocketAsync(gateway.WebSocketUri("/full-stream"), ct, headers);
        Assert.Null(socket);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("Bearer", responseHeaders!["WWW-Authenticate"]);

        var (http, sse) = await AccessClients.GetAsync(gateway.Http("/sse"), ct, headers);
        using (http)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, sse.StatusCode);
            Assert.Equal("Bearer", sse.Headers.WwwAuthenticate.Single().Scheme);
            Assert.NotEqual("text/event-stream", sse.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await AccessClients.StatusAsync(gateway.Http("/example.json"), ct, headers)).StatusCode);
        Assert.Equal(0, gateway.Hub.ClientCount);
        Assert.Equal(before + 3, await AccessClients.RefusedAsync(gateway, "unauthorized", null, ct));

        // Health and (by default) metrics stay open.
        Assert.Equal(HttpStatusCode.OK, (await AccessClients.StatusAsync(gateway.Http("/health"), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AccessClients.StatusAsync(gateway.Http("/metrics"), ct)).StatusCode);
    }

    [Fact]
    public async Task ABearerHeaderABareCustomHeaderAndTheQueryStringAreAccepted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await StartAsync(ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);

        var (bearer, status, _) = await AccessClients.WebSocketAsync(gateway.WebSocketUri("/"), ct, ("Authorization", "Bearer alpha-token"));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        var (query, queryStatus, _) = await AccessClients.WebSocketAsync(gateway.WebSocketUri("/?token=beta-token"), ct);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, queryStatus);
        var (http, sse) = await AccessClients.GetAsync(gateway.Http("/sse?token=alpha-token"), ct);
        using (http)
        {
            Assert.Equal(HttpStatusCode.OK, sse.StatusCode);
            await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 3, Wait, "three authenticated clients", ct);

            var message = TestMessages.Create(StreamKind.Lite);
            await publisher.PublishAsync(StreamKind.Lite, message);
            using (bearer)
            using (query)
            {
                Assert.Equal(message, await ReceiveAsync(bearer!, ct));
                Assert.Equal(message, await ReceiveAsync(query!, ct));
            }
        }
    }

    [Fact]
    public async Task ACustomHeaderTakesTheBareTokenAndMetricsCanBeProtected()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await StartAsync(ct, ("auth:header_name", "X-Api-Key"), ("auth:protect_metrics", "true"));

        var (socket, status, _) = await AccessClients.WebSocketAsync(gateway.WebSocketUri("/"), ct, ("X-Api-Key", "beta-token"));
        socket?.Dispose();
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);

        // The token in Authorization is not looked at when another header is configured.
        var (_, other, _) = await AccessClients.WebSocketAsync(gateway.WebSocketUri("/"), ct, ("Authorization", "Bearer beta-token"));
        Assert.Equal(HttpStatusCode.Unauthorized, other);

        Assert.Equal(HttpStatusCode.Unauthorized, (await AccessClients.StatusAsync(gateway.Http("/metrics"), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AccessClients.StatusAsync(gateway.Http("/metrics"), ct, ("X-Api-Key", "alpha-token"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AccessClients.StatusAsync(gateway.Http("/health"), ct)).StatusCode);
    }

    [Fact]
    public async Task TcpClientsAuthenticateWithAFirstLineThenTheSelector()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await StartAsync(ct, ("auth:tcp_timeout_ms", "500"));
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        var before = await AccessClients.RefusedAsync(gateway, "unauthorized", "tcp", ct);

        // Wrong token, no AUTH line, nothing at all (timeout): one error line, then the close.
        foreach (var preamble in new[] { "AUTH nope\nf", "f", "" })
        {
            var (refused, reader) = await AccessClients.TcpAsync(gateway.TcpPort, preamble, ct);
            using (refused)
            {
                var line = await reader.ReadAsync(ct).WaitAsync(Wait, ct);
                Assert.StartsWith("ERROR unauthorized", Encoding.UTF8.GetString(line!));
                Assert.Null(await reader.ReadAsync(ct).WaitAsync(Wait, ct));
            }
        }

        Assert.Equal(before + 3, await AccessClients.RefusedAsync(gateway, "unauthorized", "tcp", ct));
        Assert.Equal(0, gateway.Hub.ClientCount);

        // The token line and the selector byte in one write (CRLF accepted): the full stream.
        var (client, stream) = await AccessClients.TcpAsync(gateway.TcpPort, "AUTH beta-token\r\nf", ct);
        using (client)
        {
            await Eventually.TrueAsync(() => gateway.Hub.Topic(StreamKind.Full).Clients.Length == 1, Wait, "authenticated full-stream TCP client", ct);
            await Eventually.TrueAsync(async () => await publisher.SubscribersAsync(StreamKind.Full) == 1, Wait, "node subscribed", ct);
            var message = TestMessages.Create(StreamKind.Full);
            await publisher.PublishAsync(StreamKind.Full, message);
            Assert.Equal(message, await stream.ReadAsync(ct).WaitAsync(Wait, ct));
        }
    }

    internal static async Task<byte[]> ReceiveAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, ct).WaitAsync(Wait, ct);
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return message.ToArray();
            }
        }
    }
}
