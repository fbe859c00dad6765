using CertStream.Contracts;
using CertStream.Gateway.Transports.WebSockets;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Gateway.Transports;

/// <summary>
/// WebSocket batches sent straight to the socket (<c>gateway:direct_writes</c>) with the product's
/// flush interval, so that clients take the flush tick's shared batches: the upgrade's 101 response
/// still comes first, and every client gets every message once, in order. TLS connections keep the
/// Kestrel path (TlsTests).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class DirectWritesTests(RedisFixture redis)
{
    private const int Clients = 40;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ClientsConnectingWhileMessagesFlowGetTheHandshakeFirstThenEveryMessageInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, new Dictionary<string, string?> { ["gateway:flush_interval_ms"] = null }, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        var published = new List<byte[]>();

        // Messages flow while the clients connect, so batches are being written as upgrades complete.
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var noise = Task.Run(async () =>
        {
            while (!connecting.IsCancellationRequested)
            {
                var message = TestMessages.Create(StreamKind.Lite);
                lock (published)
                {
                    published.Add(message);
                }

                await publisher.PublishAsync(StreamKind.Lite, message);
            }
        }, ct);
        await using var first = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 1, Wait, "first client registered", ct);
        var clients = await Task.WhenAll(Enumerable.Range(1, Clients - 1).Select(_ => WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct)));
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == Clients, Wait, "every client registered", ct);
        await connecting.CancelAsync();
        await noise;

        for (var i = 0; i < 200; i++)
        {
            var message = TestMessages.Create(StreamKind.Lite);
            published.Add(message);
            await publisher.PublishAsync(StreamKind.Lite, message);
        }

        Assert.All(gateway.Hub.AllClients().Cast<WebSocketClient>(), client => Assert.True(client.WritesDirect));
        foreach (var client in clients.Prepend(first))
        {
            // Each gets the stream from some message on (it joined then) to the last, with nothing missing or repeated.
            var received = await client.ReceiveTextAsync(ct);
            var at = published.FindIndex(m => m.AsSpan().SequenceEqual(received));
            Assert.True(at >= 0, "the first message received was published");
            for (var i = at + 1; i < published.Count; i++)
            {
                Assert.Equal(TestMessages.Text(published[i]), TestMessages.Text(await client.ReceiveTextAsync(ct)));
            }
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task AReaderThatPausesGetsEveryMessageIntactWhenItsSocketTookOnlyPartOfASharedBatch()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, new Dictionary<string, string?> { ["gateway:flush_interval_ms"] = null, ["buffer_size"] = "10000", ["gateway:max_queue_bytes"] = "67108864" }, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var keepsUp = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct); // with the pauser: two clients, so batches are shared
        using var pauser = await RawWebSocketClient.ConnectAsync(gateway.WebSocketUri("/"), ct, receiveBufferSize: 4096);
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 2, Wait, "both clients registered", ct);

        // ~12 MB while the pauser reads nothing: more than the kernel queues for its socket (the
        // send buffer grows to a few MB on loopback), so a shared batch is taken only in part, the
        // rest goes back to the ring and follows in its own batches, a frame cut in two included.
        var published = Enumerable.Range(0, 6000).Select(_ => TestMessages.Create(StreamKind.Lite, padding: 600 + Random.Shared.Next(1500))).ToArray();
        var reading = Task.Run(async () =>
        {
            foreach (var message in published)
            {
                Assert.Equal(TestMessages.Text(message), TestMessages.Text(await keepsUp.ReceiveTextAsync(ct)));
            }
        }, ct);
        foreach (var message in published)
        {
            await publisher.PublishAsync(StreamKind.Lite, message);
        }

        await reading;
        foreach (var message in published)
        {
            var frame = await pauser.ReadUntilAsync(f => f.IsText, ct);
            Assert.Equal(TestMessages.Text(message), frame.Text);
        }

        Assert.Equal(0, gateway.Hub.AllClients().Sum(c => c.Dropped));
    }

    [Fact]
    public async Task TurnedOffTheBatchesGoThroughKestrel()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, new Dictionary<string, string?> { ["gateway:direct_writes"] = "false" }, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        await using var client = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 1, Wait, "client registered", ct);

        Assert.False(gateway.Hub.AllClients().Cast<WebSocketClient>().Single().WritesDirect);
        var message = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, message);
        Assert.Equal(message, await client.ReceiveTextAsync(ct));
    }
}
