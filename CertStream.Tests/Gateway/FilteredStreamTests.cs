using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using CertStream.Contracts;
using CertStream.Contracts.Envelope;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.Gateway;

/// <summary>
/// Server-side filters through real sockets, on every transport: the gateway reads the envelope
/// header, writes only the JSON, and gives a filtered client only what it asked for. Each test
/// publishes what must be left out first and then a marker that must come: the first message a
/// client receives shows that nothing else came before it, without waiting for silence.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class FilteredStreamTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task WebSocketMatchGetsOnlyItsDomainsAndEveryoneGetsJsonWithoutTheHeader()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var filtered = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/?match=*.Example.com,exact.example.org"), ct);
        await using var everything = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        await WaitForClientsAsync(gateway, StreamKind.Lite, 2, ct);

        var other = TestMessages.Create(StreamKind.Lite);
        var apex = TestMessages.Create(StreamKind.Lite);
        var sub = TestMessages.Create(StreamKind.Lite);
        var exact = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, TestEnvelopes.Certificate(other, ["www.example.net", "example.com.evil.org"]));
        await publisher.PublishAsync(StreamKind.Lite, TestEnvelopes.Certificate(apex, ["example.com"]));
        await publisher.PublishAsync(StreamKind.Lite, TestEnvelopes.Certificate(sub, ["WWW.example.com"]));
        await publisher.PublishAsync(StreamKind.Lite, TestEnvelopes.Certificate(exact, ["exact.example.org"]));

        Assert.Equal(sub, await filtered.ReceiveTextAsync(ct));
        Assert.Equal(exact, await filtered.ReceiveTextAsync(ct));
        foreach (var message in new[] { other, apex, sub, exact })
        {
            Assert.Equal(message, await everything.ReceiveTextAsync(ct)); // the JSON, byte for byte, no header
        }
    }

    [Fact]
    public async Task SseFiltersByPunycodeSuffixAndIssuerOnTheDomainsStream()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var client = await SseTestClient.ConnectAsync(gateway.Http("/sse?stream=domains&match=.b%C3%BCcher.de&issuer=Let%27s+Encrypt"), ct);
        await WaitForClientsAsync(gateway, StreamKind.Domains, 1, ct);

        var wrongIssuer = TestMessages.Create(StreamKind.Domains);
        var wrongName = TestMessages.Create(StreamKind.Domains);
        var match = TestMessages.Create(StreamKind.Domains);
        await publisher.PublishAsync(StreamKind.Domains, TestEnvelopes.Certificate(wrongIssuer, ["shop.xn--bcher-kva.de"], "/C=US/O=DigiCert Inc/CN=X"));
        await publisher.PublishAsync(StreamKind.Domains, TestEnvelopes.Certificate(wrongName, ["shop.example.de"], "/C=US/O=Let's Encrypt/CN=R3"));
        await publisher.PublishAsync(StreamKind.Domains, TestEnvelopes.Certificate(match, ["xn--bcher-kva.de"], "/C=US/O=Let's Encrypt/CN=R3"));

        Assert.Equal(match, await client.ReadEventAsync(ct));
    }

    [Fact]
    public async Task TcpTakesTheFilterOnTheSelectorLineAndOldSelectorsStillWork()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        using var filtered = await TcpLineClient.ConnectAsync(gateway.TcpPort, "f?match=*.example.com&dedup=1\n", ct);
        using var old = await TcpTestClient.ConnectAsync(gateway.TcpPort, 'f', ct);
        await WaitForClientsAsync(gateway, StreamKind.Full, 2, ct);

        var repeat = TestMessages.Create(StreamKind.Full);
        var first = TestMessages.Create(StreamKind.Full);
        await publisher.PublishAsync(StreamKind.Full, TestEnvelopes.Certificate(repeat, ["a.example.com"], flags: 0));
        await publisher.PublishAsync(StreamKind.Full, TestEnvelopes.Certificate(first, ["a.example.com"], flags: StreamEnvelope.FlagFirstSeen));

        Assert.Equal(first, await filtered.ReadLineAsync(ct));
        Assert.Equal(repeat, await old.ReadLineAsync(ct));
        Assert.Equal(first, await old.ReadLineAsync(ct));
    }

    [Fact]
    public async Task TcpFilterFollowsTheAuthLineInTheSameWrite()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString,
            new Dictionary<string, string?> { ["auth:enabled"] = "true", ["auth:tokens:0"] = "secret-token" }, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        using var client = await TcpLineClient.ConnectAsync(gateway.TcpPort, "AUTH secret-token\r\nd?match=exact.example.org\r\n", ct);
        await WaitForClientsAsync(gateway, StreamKind.Domains, 1, ct);

        var other = TestMessages.Create(StreamKind.Domains);
        var match = TestMessages.Create(StreamKind.Domains);
        await publisher.PublishAsync(StreamKind.Domains, TestEnvelopes.Certificate(other, ["www.exact.example.org"]));
        await publisher.PublishAsync(StreamKind.Domains, TestEnvelopes.Certificate(match, ["EXACT.example.org"]));
        Assert.Equal(match, await client.ReadLineAsync(ct));
    }

    [Theory]
    [InlineData("/sse?match=exa%20mple.com", "invalid match pattern")]
    [InlineData("/sse?stream=full&dedup=sometimes", "invalid dedup")]
    [InlineData("/sse?events=everything", "unknown event 'everything'")]
    public async Task SseRefusesAnInvalidFilterWith400(string pathAndQuery, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        using var http = new HttpClient();
        var response = await http.GetAsync(gateway.Http(pathAndQuery), ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(0, gateway.Hub.ClientCount);
    }

    [Fact]
    public async Task WebSocketRefusesAnInvalidFilterWith400BeforeTheUpgrade()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(gateway.WebSocketUri("/full-stream?match=*"), ct));
        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
    }

    [Fact]
    public async Task TcpRefusesAnInvalidFilterWithAnErrorLine()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        using var client = await TcpLineClient.ConnectAsync(gateway.TcpPort, "l?events=nope\n", ct);
        var line = Encoding.UTF8.GetString((await client.ReadLineAsync(ct))!);
        Assert.StartsWith("ERROR bad filter: unknown event 'nope'", line, StringComparison.Ordinal);
        Assert.Null(await client.ReadLineAsync(ct)); // then closed
    }

    [Fact]
    public async Task EventsGoOnlyToClientsThatOptedIn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var plain = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        await using var optedIn = await SseTestClient.ConnectAsync(gateway.Http("/sse?events=log_integrity"), ct);
        await WaitForClientsAsync(gateway, StreamKind.Lite, 2, ct);

        const string integrity = """{"message_type":"log_integrity","data":{"log":"x"}}""";
        await publisher.PublishAsync(StreamKind.Lite, TestEnvelopes.Event(StreamEnvelope.KindLogIntegrity, integrity));
        var after = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, TestEnvelopes.Certificate(after, ["a.example"]));

        Assert.Equal(after, await plain.ReceiveTextAsync(ct)); // the event never came first
        Assert.Equal(integrity, Encoding.UTF8.GetString((await optedIn.ReadEventAsync(ct))!));
        Assert.Equal(after, await optedIn.ReadEventAsync(ct));
    }

    [Fact]
    public async Task LegacyPayloadsStillReachUnfilteredClients()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var plain = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/domains-only"), ct);
        using var tcp = await TcpTestClient.ConnectAsync(gateway.TcpPort, 'd', ct);
        await WaitForClientsAsync(gateway, StreamKind.Domains, 2, ct);

        var legacy = TestMessages.Create(StreamKind.Domains);
        var envelope = TestMessages.Create(StreamKind.Domains);
        await publisher.PublishAsync(StreamKind.Domains, legacy);
        await publisher.PublishAsync(StreamKind.Domains, TestEnvelopes.Certificate(envelope, ["a.example"]));
        Assert.Equal(legacy, await plain.ReceiveTextAsync(ct));
        Assert.Equal(envelope, await plain.ReceiveTextAsync(ct));
        Assert.Equal(legacy, await tcp.ReadLineAsync(ct));
        Assert.Equal(envelope, await tcp.ReadLineAsync(ct));
    }

    [Fact]
    public async Task ExampleJsonIsTheJsonWithoutTheHeader()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        var json = TestMessages.Create(StreamKind.Full);
        await publisher.SetExampleAsync(StreamKind.Full, TestEnvelopes.Certificate(json, ["a.example"]));
        using var http = new HttpClient();
        Assert.Equal(json, await http.GetByteArrayAsync(gateway.Http("/full-stream/example.json"), ct));
    }

    [Fact]
    public async Task AFilteredClientGetsHeartbeatsWhileNothingMatches()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-05-20T18:48:14.512Z", CultureInfo.InvariantCulture));
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, time: time, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var ws = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/?match=quiet.example"), ct, clientPings: false);
        await WaitForClientsAsync(gateway, StreamKind.Lite, 1, ct);

        await publisher.PublishAsync(StreamKind.Lite, TestEnvelopes.Certificate(TestMessages.Create(StreamKind.Lite), ["busy.example"]));
        for (var i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var heartbeat = Encoding.UTF8.GetString(await ws.ReceiveTextAsync(ct));
        Assert.StartsWith("""{"message_type":"heartbeat","timestamp":""", heartbeat, StringComparison.Ordinal);
    }

    private static Task WaitForClientsAsync(GatewayHost gateway, StreamKind kind, int count, CancellationToken ct) =>
        Eventually.TrueAsync(() => gateway.Hub.Topic(kind).Clients.Length == count && gateway.Hub.Topic(kind).IsSubscribed, Wait, $"{count} {kind} clients subscribed", ct);

    /// <summary>A raw TCP client that sends a whole first line (selector and options, or AUTH and selector) in one write.</summary>
    private sealed class TcpLineClient : IDisposable
    {
        private readonly TcpClient _client;
        private readonly DelimitedReader _reader;

        private TcpLineClient(TcpClient client)
        {
            _client = client;
            _reader = new DelimitedReader(client.GetStream(), "\n"u8.ToArray());
        }

        public static async Task<TcpLineClient> ConnectAsync(int port, string first, CancellationToken ct)
        {
            var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, ct);
            await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(first), ct);
            return new TcpLineClient(client);
        }

        public Task<byte[]?> ReadLineAsync(CancellationToken ct) => _reader.ReadAsync(ct);

        public void Dispose() => _client.Dispose();
    }
}
