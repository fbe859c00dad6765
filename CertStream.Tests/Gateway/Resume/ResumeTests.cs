using System.Net;
using System.Text;
using CertStream.Contracts;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Gateway.Resume;

/// <summary>
/// Issue 14, resume without loss: a client that reconnects with a cursor (<c>?since=</c>, SSE
/// <c>Last-Event-ID</c>, the TCP selector line) gets what followed it from the replay buffer, then
/// the live stream, with no gap and no duplicate, on any gateway; beyond the buffer it is told how
/// much it lost; a malformed cursor is refused.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ResumeTests(RedisFixture redis)
{
    public static TheoryData<ResumeTransport, bool> TransportsAndRing => new()
    {
        { ResumeTransport.WebSocket, false },
        { ResumeTransport.WebSocket, true },
        { ResumeTransport.Sse, false },
        { ResumeTransport.Sse, true },
        { ResumeTransport.Tcp, false },
        { ResumeTransport.Tcp, true },
    };

    /// <summary>
    /// <paramref name="warmRing"/>: another client kept the node subscribed, so what the client missed
    /// is still in the node's ring; otherwise only the replay buffer in Redis has it.
    /// </summary>
    [Theory]
    [MemberData(nameof(TransportsAndRing))]
    public async Task AResumingClientGetsWhatFollowedItsCursorThenTheLiveStream(ResumeTransport transport, bool warmRing)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var publisher = await ReplayTestPublisher.ConnectAsync(redis.ConnectionString);
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var watcher = warmRing ? await ResumeClient.ConnectAsync(ResumeTransport.WebSocket, gateway.HttpUri.Port, gateway.TcpPort, null, ct) : null;
        await publisher.PublishAsync(1, 40);
        var cursors = await publisher.CursorsAsync();
        Assert.Equal(40, cursors.Length);
        if (watcher is not null)
        {
            await ReadIndicesAsync(watcher, 40, ct); // the ring holds them all
        }

        await using var client = await ResumeClient.ConnectAsync(transport, gateway.HttpUri.Port, gateway.TcpPort, cursors[9], ct);
        var live = publisher.PublishAsync(41, 60); // while the client replays: the seam moves
        var received = new List<ReceivedMessage>();
        while (received.Count < 50)
        {
            var message = await client.ReadAsync(ct);
            Assert.NotNull(message);
            received.Add(message);
        }

        await live;
        Assert.Equal(Enumerable.Range(11, 50).Select(i => (long)i), received.Select(m => m.Index));
        Assert.All(received, m => Assert.Equal("certificate_update", m.Type));

        // Every message carries its cursor as its last field (SSE: also as the event id), the one the stream stored.
        var stored = await publisher.CursorsAsync();
        Assert.Equal(stored[10..60], received.Select(m => m.Cursor!));
        Assert.All(received, m => Assert.EndsWith($",\"cursor\":\"{m.Cursor}\"}}", m.Json));
        if (transport == ResumeTransport.Sse)
        {
            Assert.All(received, m => Assert.Equal(m.Cursor, m.SseId));
        }
    }

    /// <summary>A filtered client resumes too: from the buffer and at the seam it gets only what it matches, and the skipped messages are no loss.</summary>
    [Theory]
    [MemberData(nameof(TransportsAndRing))]
    public async Task AFilteredClientResumesWithItsFilter(ResumeTransport transport, bool warmRing)
    {
        var ct = TestContext.Current.CancellationToken;
        static string DomainOf(long index) => index % 2 == 0 ? $"a{index}.match.example" : $"b{index}.other.example";
        await using var publisher = await ReplayTestPublisher.ConnectAsync(redis.ConnectionString);
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var watcher = warmRing ? await ResumeClient.ConnectAsync(ResumeTransport.WebSocket, gateway.HttpUri.Port, gateway.TcpPort, null, ct) : null;
        await publisher.PublishWithDomainsAsync(1, 40, DomainOf);
        var cursors = await publisher.CursorsAsync();
        if (watcher is not null)
        {
            await ReadIndicesAsync(watcher, 40, ct);
        }

        await using var client = await ResumeClient.ConnectAsync(transport, gateway.HttpUri.Port, gateway.TcpPort, cursors[9], ct, "match=*.match.example");
        var live = publisher.PublishWithDomainsAsync(41, 60, DomainOf);
        var received = new List<ReceivedMessage>();
        while (received.Count < 25)
        {
            var message = await client.ReadAsync(ct);
            Assert.NotNull(message);
            received.Add(message);
        }

        await live;
        Assert.All(received, m => Assert.Equal("certificate_update", m.Type)); // no drop notice for what the filter skipped
        Assert.Equal(Enumerable.Range(6, 25).Select(i => 2L * i), received.Select(m => m.Index));
    }

    [Fact]
    public async Task AClientResumesOnAnotherGatewayWhereItLeftOff()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var publisher = await ReplayTestPublisher.ConnectAsync(redis.ConnectionString);
        await using var first = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await using var second = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        string last;
        await using (var client = await ResumeClient.ConnectAsync(ResumeTransport.WebSocket, first.HttpUri.Port, first.TcpPort, null, ct))
        {
            await publisher.PublishAsync(1, 25);
            last = (await ReadIndicesAsync(client, 25, ct))[^1].Cursor!;
        }

        await publisher.PublishAsync(26, 40); // missed: nobody is connected
        await using var again = await ResumeClient.ConnectAsync(ResumeTransport.WebSocket, second.HttpUri.Port, second.TcpPort, last, ct);
        var live = publisher.PublishAsync(41, 50);
        var received = await ReadIndicesAsync(again, 25, ct);
        await live;
        Assert.Equal(Enumerable.Range(26, 25).Select(i => (long)i), received.Select(m => m.Index));
    }

    [Fact]
    public async Task ATcpClientWithAuthSendsItsSelectorLineAfterTheAuthLineInOneWrite()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var publisher = await ReplayTestPublisher.ConnectAsync(redis.ConnectionString);
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["auth:enabled"] = "true",
            ["auth:tokens:0"] = "resume-secret",
        }, cancellationToken: ct);
        await publisher.PublishAsync(1, 10);
        var since = (await publisher.CursorsAsync())[6];
        using var tcp = await TcpTestClient.ConnectAsync(gateway.TcpPort, null, ct);
        await tcp.SendAsync(Encoding.ASCII.GetBytes($"AUTH resume-secret\nl?since={since}\n"), ct);
        var indices = new List<long>();
        while (indices.Count < 3)
        {
            var line = await tcp.ReadLineAsync(ct);
            Assert.NotNull(line);
            indices.Add(System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("data").GetProperty("cert_index").GetInt64());
        }

        Assert.Equal([8L, 9L, 10L], indices);
    }

    [Fact]
    public async Task ACursorOlderThanTheBufferGetsANoticeOfWhatWasLostThenTheRest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var publisher = await ReplayTestPublisher.ConnectAsync(redis.ConnectionString);
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        await publisher.PublishAsync(1, 300);
        var since = (await publisher.CursorsAsync())[9];

        // The ingestors trim approximately (whole nodes); exactly here, so that the loss is known: 1-250 gone.
        await publisher.Db.ExecuteAsync("XTRIM", RedisNames.ReplayStream(StreamKind.Lite), "MAXLEN", "50");

        await using (var client = await ResumeClient.ConnectAsync(ResumeTransport.Sse, gateway.HttpUri.Port, gateway.TcpPort, since, ct))
        {
            var notice = await client.ReadAsync(ct);
            Assert.NotNull(notice);
            Assert.Equal("messages_dropped", notice.Type);
            Assert.Equal(240, notice.DroppedCount); // 11 to 250
            Assert.Equal("replay_buffer_exceeded", notice.Reason);
            Assert.Null(notice.SseId); // a notice is not a place to resume from
            var rest = await ReadIndicesAsync(client, 50, ct);
            Assert.Equal(Enumerable.Range(251, 50).Select(i => (long)i), rest.Select(m => m.Index));
        }

        // A strict old client asked for no notices: the same messages, nothing else.
        await using var strict = await ResumeClient.ConnectAsync(ResumeTransport.Tcp, gateway.HttpUri.Port, gateway.TcpPort, since, ct, "notices=0");
        var first = await strict.ReadAsync(ct);
        Assert.NotNull(first);
        Assert.Equal(251, first.Index);
    }

    [Fact]
    public async Task AMalformedCursorIsRefusedOnEveryTransport()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        Assert.Equal(HttpStatusCode.BadRequest, await ResumeClient.StatusAsync(gateway.Http("/sse"), "not-a-cursor", ct));
        Assert.Equal(HttpStatusCode.BadRequest, await ResumeClient.StatusAsync(gateway.Http("/sse?since=12"), null, ct));
        Assert.Equal(HttpStatusCode.BadRequest, await ResumeClient.StatusAsync(gateway.Http("/sse?notices=maybe"), null, ct));
        var ws = await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() =>
            WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/?since=1-x"), ct));
        Assert.Contains("400", ws.Message);

        using var tcp = await TcpTestClient.ConnectAsync(gateway.TcpPort, null, ct);
        await tcp.SendAsync("l?since=yesterday\n"u8.ToArray(), ct);
        var line = await tcp.ReadLineAsync(ct);
        Assert.NotNull(line);
        Assert.StartsWith("ERROR bad request: ", Encoding.UTF8.GetString(line));
        Assert.Null(await tcp.ReadLineAsync(ct));

        // A well-formed cursor is accepted, however old.
        Assert.Equal(HttpStatusCode.OK, await ResumeClient.StatusAsync(gateway.Http("/sse"), "1-1", ct));
    }

    private static async Task<List<ReceivedMessage>> ReadIndicesAsync(ResumeClient client, int count, CancellationToken ct)
    {
        var received = new List<ReceivedMessage>();
        while (received.Count < count)
        {
            var message = await client.ReadAsync(ct);
            Assert.NotNull(message);
            Assert.Equal("certificate_update", message.Type);
            received.Add(message);
        }

        return received;
    }
}
