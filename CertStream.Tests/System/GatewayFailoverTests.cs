using CertStream.Tests.Infrastructure;
using CertStream.Tests.SystemTests.Support;

namespace CertStream.Tests.SystemTests;

/// <summary>
/// Issue 9: SIGKILL of one of two gateways behind the proxy. Its clients lose the connection and, on
/// reconnecting through the proxy, land on the live node and stream again; the other node's clients
/// see nothing (no gap, no disconnect).
/// </summary>
public sealed class GatewayFailoverTests
{
    [Fact]
    public async Task Killing_a_gateway_behind_the_proxy_moves_its_clients_and_leaves_the_others_alone()
    {
        await using var system = CertStreamSystem.Create();
        var redis = await system.StartRedisAsync();
        var simulator = await system.StartSimulatorAsync(new Dictionary<string, string>
        {
            ["Rfc6962Logs"] = "1",
            ["TiledLogs"] = "1",
            ["InitialSize"] = "100",
            ["EntriesPerSecond"] = "50",
        });
        await system.StartIngestorAsync(redis, simulator);
        var gateways = new[] { await system.StartGatewayAsync(redis), await system.StartGatewayAsync(redis) };
        var proxy = await system.StartProxyAsync(gateways);

        // The proxy sends each new stream to the node with the fewest in flight: the clients spread.
        var clients = new List<RecordingClient>();
        for (var i = 0; i < 6; i++)
        {
            clients.Add(await RecordingClient.ConnectAsync(proxy, Transport.WebSocket, name: "client-" + i));
        }

        var tips = await simulator.LogsAsync();
        foreach (var client in clients)
        {
            await client.WaitPastAsync(tips, 0, TimeSpan.FromSeconds(120), "the client is live");
        }

        var perNode = new List<double>();
        foreach (var gateway in gateways)
        {
            perNode.Add(await gateway.MetricAsync("certstream_gateway_clients", "protocol=websocket"));
        }

        Assert.True(perNode.All(n => n >= 1), $"both nodes hold clients: {string.Join(", ", perNode)}");

        gateways[0].Process.Kill();
        await gateways[0].Process.WaitForExitAsync(TimeSpan.FromSeconds(30), CertStreamSystem.Ct);
        await Pulse.UntilAsync(() => clients.Count(c => c.Ended) >= perNode[0], TimeSpan.FromSeconds(60),
            $"the {perNode[0]} clients of the killed node lose their connection", CertStreamSystem.Ct, [.. clients.Select(c => c.Changed)]);

        // They reconnect through the proxy (as certstream clients do, retrying) and stream from the live node.
        var sizes = await simulator.LogsAsync();
        foreach (var lost in clients.Where(c => c.Ended).ToList())
        {
            await using var again = await ReconnectAsync(proxy, lost.Name + "-again");
            await again.WaitPastAsync(sizes, 0, TimeSpan.FromSeconds(120), "the reconnected client streams");
        }

        // The others saw nothing: connected throughout, every index since they joined.
        sizes = await simulator.LogsAsync();
        var survivors = clients.Where(c => !c.Ended).ToList();
        Assert.Equal(clients.Count - (int)perNode[0], survivors.Count);
        foreach (var client in survivors)
        {
            await client.WaitPastAsync(sizes, 0, TimeSpan.FromSeconds(120), "the survivor streams on");
            foreach (var log in sizes)
            {
                Assert.True(client.For(log.Url)!.MissingCount() == 0 && client.For(log.Url)!.Duplicates == 0, client.Describe());
            }
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>A client's reconnect loop: until the proxy has taken the dead node out, an attempt may fail (502).</summary>
    private static async Task<RecordingClient> ReconnectAsync(GatewayHandle proxy, string name)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                var client = await RecordingClient.ConnectAsync(proxy, Transport.WebSocket, name: name);
                if (!client.Ended)
                {
                    return client;
                }

                await client.DisposeAsync();
            }
            catch (global::System.Net.WebSockets.WebSocketException) when (DateTime.UtcNow < deadline)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, "no reconnect through the proxy succeeded within 60 s");

            // A client's retry back-off, not a wait for a signal.
            await Task.Delay(500, CertStreamSystem.Ct);
        }
    }
}
