using System.Net.WebSockets;
using CertStream.Contracts;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Gateway;

/// <summary>Every transport and path delivers its stream's messages, byte for byte as published, and only those.</summary>
[Collection(GatewayCollection.Name)]
public sealed class StreamDeliveryTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("/", StreamKind.Lite)]
    [InlineData("/full-stream", StreamKind.Full)]
    [InlineData("/full-stream/", StreamKind.Full)]
    [InlineData("/domains-only", StreamKind.Domains)]
    [InlineData("/domains-only/", StreamKind.Domains)]
    public async Task WebSocketPathReceivesItsStreamAsTextFramesByteForByte(string path, StreamKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var client = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri(path), ct);

        // One message on every stream: the client must get exactly the one of its own stream.
        var messages = StreamKinds.All.ToDictionary(k => k, k => TestMessages.Create(k));
        foreach (var k in StreamKinds.All.Where(k => k != kind))
        {
            await publisher.PublishAsync(k, messages[k]);
        }

        await publisher.PublishAsync(kind, messages[kind]);
        var second = TestMessages.Create(kind);
        await publisher.PublishAsync(kind, second);

        Assert.Equal(messages[kind], await client.ReceiveTextAsync(ct));
        Assert.Equal(second, await client.ReceiveTextAsync(ct));
    }

    [Theory]
    [InlineData("", StreamKind.Lite)]
    [InlineData("?stream=lite", StreamKind.Lite)]
    [InlineData("?stream=full", StreamKind.Full)]
    [InlineData("?stream=domains", StreamKind.Domains)]
    [InlineData("?stream=domains-only", StreamKind.Domains)]
    public async Task SseReceivesItsStreamAsDataEventsByteForByte(string query, StreamKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var client = await SseTestClient.ConnectAsync(gateway.Http("/sse" + query), ct);

        var messages = StreamKinds.All.ToDictionary(k => k, k => TestMessages.Create(k));
        foreach (var k in StreamKinds.All.Where(k => k != kind))
        {
            await publisher.PublishAsync(k, messages[k]);
        }

        await publisher.PublishAsync(kind, messages[kind]);
        Assert.Equal(messages[kind], await client.ReadEventAsync(ct));
        Assert.Equal("no-cache", client.Response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task SseRejectsAnUnknownStream()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        using var http = new HttpClient();
        var response = await http.GetAsync(gateway.Http("/sse?stream=everything"), ct);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData('l', StreamKind.Lite)]
    [InlineData('L', StreamKind.Lite)]
    [InlineData('f', StreamKind.Full)]
    [InlineData('F', StreamKind.Full)]
    [InlineData('d', StreamKind.Domains)]
    [InlineData('D', StreamKind.Domains)]
    [InlineData('x', StreamKind.Lite)]  // any other byte: lite (docs/wire-format.md)
    [InlineData('\n', StreamKind.Lite)] // echo | nc
    [InlineData('G', StreamKind.Lite)]  // a lone byte is a selector, even one that starts an HTTP method
    public async Task TcpSelectorByteChoosesTheStream(char selector, StreamKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        using var client = await TcpTestClient.ConnectAsync(gateway.TcpPort, selector, ct);
        await WaitForClientAsync(gateway, kind, ct);

        var messages = StreamKinds.All.ToDictionary(k => k, k => TestMessages.Create(k));
        foreach (var k in StreamKinds.All.Where(k => k != kind))
        {
            await publisher.PublishAsync(k, messages[k]);
        }

        await publisher.PublishAsync(kind, messages[kind]);
        Assert.Equal(messages[kind], await client.ReadLineAsync(ct));
    }

    /// <summary>A browser or curl pointed at the raw TCP port gets an HTTP 400 saying what the port is, and the connection closes.</summary>
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: localhost:8081\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n")]
    [InlineData("HEAD /full-stream HTTP/1.0\r\n\r\n")]
    [InlineData("DELETE /domains-only HTTP/1.1\r\nHost: x\r\n\r\n")] // starts with D: still not the domains selector
    [InlineData("POST /sse HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")]
    public async Task AnHttpRequestOnTheTcpPortGetsA400AndIsClosed(string request)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, gateway.TcpPort, ct);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request), ct);

        // The whole response, then the end of the stream (the server closes).
        using var reply = new MemoryStream();
        await stream.CopyToAsync(reply, ct).WaitAsync(Wait, ct);
        var text = System.Text.Encoding.ASCII.GetString(reply.ToArray());
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", text);
        Assert.Contains("\r\nConnection: close\r\n", text);
        var body = text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Contains("Content-Length: " + body.Length + "\r\n", text);
        Assert.Contains("raw TCP port", body);
        Assert.Equal(0, gateway.Hub.ClientCount);

        using var http = new HttpClient();
        var metrics = PrometheusText.Parse(await http.GetStringAsync(gateway.Http("/metrics"), ct));
        Assert.Equal(1, metrics.Sum("certstream_gateway_connections_refused_total", ("protocol", "tcp"), ("reason", "http_request")));
    }

    [Fact]
    public async Task TcpClientThatSendsNothingGetsLiteAfterTheSelectorTimeout()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, time: time, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        using var client = await TcpTestClient.ConnectAsync(gateway.TcpPort, selector: null, ct);

        // Until the second is up the client belongs to no stream yet.
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 0, Wait, "client not registered before the selector timeout", ct);
        // The server may not have armed its selector timer yet when the test first advances the
        // fake clock, so keep advancing (in steps shorter than the timeout) until it fires.
        await Eventually.TrueAsync(() =>
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            return gateway.Hub.Topic(StreamKind.Lite).Clients.Length == 1 && gateway.Hub.Topic(StreamKind.Lite).IsSubscribed;
        }, Wait, "a Lite client subscribed after the selector timeout", ct);

        var message = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, message);
        Assert.Equal(message, await client.ReadLineAsync(ct));
    }

    [Fact]
    public async Task ManyMessagesArriveCompleteAndInOrderOnEveryTransport()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var ws = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        await using var sse = await SseTestClient.ConnectAsync(gateway.Http("/sse"), ct);
        using var tcp = await TcpTestClient.ConnectAsync(gateway.TcpPort, 'l', ct);
        await Eventually.TrueAsync(() => gateway.Hub.Topic(StreamKind.Lite).Clients.Length == 3, Wait, "three lite clients", ct);

        var messages = Enumerable.Range(0, 300).Select(_ => TestMessages.Create(StreamKind.Lite)).ToArray();
        await Task.WhenAll(messages.Select(m => publisher.PublishAsync(StreamKind.Lite, m)));

        foreach (var message in messages)
        {
            Assert.Equal(message, await ws.ReceiveTextAsync(ct));
            Assert.Equal(message, await sse.ReadEventAsync(ct));
            Assert.Equal(message, await tcp.ReadLineAsync(ct));
        }
    }

    [Fact]
    public async Task LargeMessagesUseTheLongFrameLengthsAndStayIntact()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var ws = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/full-stream"), ct);

        // 125/126 and 65535/65536 are where the frame header changes size (RFC 6455 §5.2).
        foreach (var size in new[] { 125, 126, 65_535, 65_536, 300_000 })
        {
            var message = TestMessages.OfSize(size);
            await publisher.PublishAsync(StreamKind.Full, message);
            var received = await ws.ReceiveTextAsync(ct);
            Assert.Equal(message.Length, received.Length);
            Assert.Equal(message, received);
        }
    }

    [Fact]
    public async Task WithAFlushIntervalMessagesAreBatchedAndStillAllDelivered()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(
            redis.ConnectionString, new Dictionary<string, string?> { ["gateway:flush_interval_ms"] = "5" }, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var ws = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/domains-only"), ct);

        var messages = Enumerable.Range(0, 100).Select(_ => TestMessages.Create(StreamKind.Domains)).ToArray();
        await Task.WhenAll(messages.Select(m => publisher.PublishAsync(StreamKind.Domains, m)));
        foreach (var message in messages)
        {
            Assert.Equal(message, await ws.ReceiveTextAsync(ct));
        }
    }

    [Fact]
    public async Task TheRedisSubscriptionExistsOnlyWhileAStreamHasClients()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        Assert.Equal(0, await publisher.SubscribersAsync(StreamKind.Full));

        var first = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/full-stream"), ct);
        await using var second = await SseTestClient.ConnectAsync(gateway.Http("/sse?stream=full"), ct);
        Assert.Equal(1, await publisher.SubscribersAsync(StreamKind.Full)); // one per node, not per client
        Assert.Equal(0, await publisher.SubscribersAsync(StreamKind.Lite));

        await first.DisposeAsync();
        await Eventually.TrueAsync(() => gateway.Hub.Topic(StreamKind.Full).Clients.Length == 1, Wait, "first client gone", ct);
        Assert.Equal(1, await publisher.SubscribersAsync(StreamKind.Full));

        await second.DisposeAsync();
        await Eventually.TrueAsync(async () => await publisher.SubscribersAsync(StreamKind.Full) == 0, Wait, "unsubscribed after the last client", ct);

        // And back on the next client.
        await using var third = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/full-stream"), ct);
        var message = TestMessages.Create(StreamKind.Full);
        await publisher.PublishAsync(StreamKind.Full, message);
        Assert.Equal(message, await third.ReceiveTextAsync(ct));
    }

    [Fact]
    public async Task ClientCloseIsAnsweredWithACloseFrame()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var ws = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        await ws.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct).WaitAsync(Wait, ct);
        Assert.Equal(WebSocketState.Closed, ws.Socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.Socket.CloseStatus);
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 0, Wait, "client unregistered", ct);
    }

    private static Task WaitForClientAsync(GatewayHost gateway, StreamKind kind, CancellationToken ct) =>
        Eventually.TrueAsync(() => gateway.Hub.Topic(kind).Clients.Length == 1 && gateway.Hub.Topic(kind).IsSubscribed, Wait, $"a {kind} client subscribed", ct);
}
