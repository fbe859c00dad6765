using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using CertStream.Contracts;
using CertStream.ServiceDefaults.Configuration;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Gateway;

/// <summary>/metrics, /example.json, the browser page on stream paths, and disabled protocols.</summary>
[Collection(GatewayCollection.Name)]
public sealed class HttpEndpointTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task MetricsAreValidPrometheusTextWithClientsPerStreamAndProtocol()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        using var http = new HttpClient();
        await using var ws = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        await using var sse = await SseTestClient.ConnectAsync(gateway.Http("/sse?stream=full"), ct);
        using var tcp = await TcpTestClient.ConnectAsync(gateway.TcpPort, 'd', ct);
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 3, Wait, "three clients", ct);
        var message = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, message);
        Assert.Equal(message, await ws.ReceiveTextAsync(ct));

        using var response = await http.GetAsync(gateway.Http("/metrics"), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var metrics = PrometheusText.Parse(await response.Content.ReadAsStringAsync(ct));

        Assert.Equal("gauge", metrics.Types["certstream_gateway_clients"]);
        Assert.Equal("counter", metrics.Types["certstream_gateway_messages_sent_total"]);
        Assert.Equal(1, metrics.Sum("certstream_gateway_clients", ("stream", "lite"), ("protocol", "websocket")));
        Assert.Equal(1, metrics.Sum("certstream_gateway_clients", ("stream", "full"), ("protocol", "sse")));
        Assert.Equal(1, metrics.Sum("certstream_gateway_clients", ("stream", "domains"), ("protocol", "tcp")));
        Assert.Equal(3, metrics.Sum("certstream_gateway_clients"));
        Assert.Equal(1, metrics.Sum("certstream_gateway_messages_received_total", ("stream", "lite")));
        Assert.Equal(1, metrics.Sum("certstream_gateway_messages_sent_total", ("stream", "lite"), ("protocol", "websocket")));
        Assert.Equal(0, metrics.Sum("certstream_gateway_messages_dropped_total"));
        Assert.True(metrics.Has("certstream_gateway_queue_depth"));
        Assert.True(metrics.Has("certstream_gateway_queue_bytes"));

        await ws.DisposeAsync();
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 2, Wait, "websocket client gone", ct);
        metrics = PrometheusText.Parse(await http.GetStringAsync(gateway.Http("/metrics"), ct));
        Assert.Equal(0, metrics.Sum("certstream_gateway_clients", ("stream", "lite"), ("protocol", "websocket")));
        Assert.Equal(1, metrics.Sum("certstream_gateway_disconnects_total", ("protocol", "websocket"), ("reason", "client_closed")));
    }

    [Fact]
    public async Task ExampleEndpointsServeTheNewestMessageOfEachStreamAnd503Before()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        using var http = new HttpClient();
        await publisher.DeleteExamplesAsync();
        var paths = new Dictionary<StreamKind, string>
        {
            [StreamKind.Lite] = "/example.json",
            [StreamKind.Full] = "/full-stream/example.json",
            [StreamKind.Domains] = "/domains-only/example.json",
        };

        foreach (var path in paths.Values)
        {
            using var before = await http.GetAsync(gateway.Http(path), ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
            Assert.Equal("null", await before.Content.ReadAsStringAsync(ct));
        }

        foreach (var (kind, path) in paths)
        {
            var message = TestMessages.Create(kind);
            await publisher.SetExampleAsync(kind, message);
            using var after = await http.GetAsync(gateway.Http(path), ct);
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            Assert.Equal("application/json", after.Content.Headers.ContentType?.MediaType);
            Assert.Equal(message, await after.Content.ReadAsByteArrayAsync(ct));
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/full-stream")]
    [InlineData("/domains-only/")]
    public async Task APlainBrowserGetOnAStreamPathGetsAPageSayingWhatItIs(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        using var http = new HttpClient();
        using var response = await http.GetAsync(gateway.Http(path), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync(ct);
        Assert.Contains("WebSocket endpoint", html);
        Assert.Contains($"ws://{gateway.HttpUri.Authority}{path.TrimEnd('/')}", html.Replace("&#x2F;", "/", StringComparison.Ordinal));
        Assert.Equal(0, gateway.Hub.ClientCount);
    }

    /// <summary>
    /// The page names the address the client used: its Host header, or behind a trusted proxy the
    /// forwarded host and scheme (the proxy's own Host header names the gateway's upstream port).
    /// </summary>
    [Theory]
    [InlineData(false, "localhost:5183", null, null, "ws://localhost:5183/")]
    [InlineData(false, "localhost:5181", "localhost:5183", "https", "ws://localhost:5181/")]            // untrusted peer: forwarded headers ignored
    [InlineData(true, "localhost:5181", "localhost:5183", "http", "ws://localhost:5183/")]
    [InlineData(true, "localhost:5181", "edge.example, certstream.example", "http, https", "wss://certstream.example/")] // the last entry: our peer's
    [InlineData(true, "localhost:5181", "x\"><script>alert(1)</script>", null, "ws://localhost:5181/")] // not a host: ignored
    public async Task TheBrowserPageNamesTheAddressTheClientUsed(bool trustLoopback, string host, string? forwardedHost, string? forwardedProto, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new Dictionary<string, string?>();
        if (trustLoopback)
        {
            settings["trusted_proxies:0"] = "127.0.0.1";
        }

        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, settings, cancellationToken: ct);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Http("/"));
        request.Headers.Host = host;
        if (forwardedHost is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-Host", forwardedHost);
        }

        if (forwardedProto is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", forwardedProto);
        }

        using var response = await http.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(ct);
        Assert.Contains($"<code>websocat {expected}</code>", html);
        Assert.DoesNotContain("<script>", html);
    }

    [Fact]
    public async Task ABadWebSocketHandshakeGets400()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Http("/"));
        request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
        request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "8");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        using var response = await http.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("13", response.Headers.GetValues("Sec-WebSocket-Version").Single());
    }

    [Fact]
    public async Task DisabledProtocolsAreNotServed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["protocols:websocket"] = "false",
            ["protocols:sse"] = "false",
            ["protocols:tcp"] = "false",
        }, cancellationToken: ct);
        using var http = new HttpClient();
        foreach (var path in new[] { "/", "/full-stream", "/domains-only", "/sse", "/sse?stream=full" })
        {
            using var response = await http.GetAsync(gateway.Http(path), ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using var ws = new ClientWebSocket();
        await Assert.ThrowsAsync<WebSocketException>(() => ws.ConnectAsync(gateway.WebSocketUri("/"), ct));
        Assert.Throws<InvalidOperationException>(() => gateway.TcpPort);

        // The rest of the node still works.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(gateway.Http("/health"), ct)).StatusCode);
    }

    [Fact]
    public async Task TheDefaultsServeWebSocketsOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["protocols:websocket"] = null,
            ["protocols:sse"] = null,
            ["protocols:tcp"] = null,
        }, cancellationToken: ct);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(gateway.Http("/sse"), ct)).StatusCode);
        Assert.Throws<InvalidOperationException>(() => gateway.TcpPort);
        await using var ws = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        Assert.Equal(WebSocketState.Open, ws.Socket.State);
    }

    [Fact]
    public async Task InvalidGatewayOptionsStopTheNodeFromStartingWithEveryProblemNamed()
    {
        var ct = TestContext.Current.CancellationToken;
        var error = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["gateway:heartbeat_interval_secs"] = "0",
            ["gateway:dead_peer_timeout_secs"] = "20",
            ["gateway:max_queue_bytes"] = "10",
        }, cancellationToken: ct));
        Assert.Contains("heartbeat_interval_secs", error.Message);
        Assert.Contains("dead_peer_timeout_secs", error.Message);
        Assert.Contains("max_queue_bytes", error.Message);
    }

    [Fact]
    public async Task WithoutAspNetCoreUrlsTheNodeListensOnHostAndPort()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = RedisTestServer.FreePort();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["urls"] = null,
            ["host"] = "127.0.0.1",
            ["port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, cancellationToken: ct);
        Assert.Equal(port, gateway.HttpUri.Port);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/health", ct)).StatusCode);
    }

    [Fact]
    public async Task ATcpPortThatIsTakenFailsTheStart()
    {
        var ct = TestContext.Current.CancellationToken;
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var ex = await Assert.ThrowsAsync<InvalidSettingException>(() => GatewayHost.StartAsync(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["protocols:tcp_port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, cancellationToken: ct));
        Assert.StartsWith("protocols:tcp_port (CERTSTREAM_TCP_PORT)", ex.Message);
        Assert.IsType<SocketException>(ex.InnerException);
    }
}
