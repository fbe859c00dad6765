using System.Net.WebSockets;
using CertStream.Tests.SystemTests.Support;

namespace CertStream.Tests.SystemTests;

/// <summary>Issue 9: SIGTERM of a gateway under load closes WebSocket clients with 1001, ends SSE and TCP streams, and exits 0.</summary>
public sealed class GatewayShutdownTests
{
    [Fact]
    public async Task Sigterm_under_load_closes_websocket_clients_with_1001_and_ends_every_stream()
    {
        await using var system = CertStreamSystem.Create();
        var redis = await system.StartRedisAsync();
        var simulator = await system.StartSimulatorAsync(new Dictionary<string, string>
        {
            ["Rfc6962Logs"] = "1",
            ["TiledLogs"] = "1",
            ["InitialSize"] = "100",
            ["EntriesPerSecond"] = "200",
        });
        var gateway = await system.StartGatewayAsync(redis);
        await system.StartIngestorAsync(redis, simulator);

        var clients = new List<RecordingClient>();
        foreach (var transport in Enum.GetValues<Transport>())
        {
            clients.Add(await RecordingClient.ConnectAsync(gateway, transport));
            clients.Add(await RecordingClient.ConnectAsync(gateway, transport, new RecordingOptions { Stream = "full" }));
        }

        var tips = await simulator.LogsAsync();
        foreach (var client in clients)
        {
            await client.WaitPastAsync(tips, 0, TimeSpan.FromSeconds(120), "the client is live");
        }

        gateway.Process.Terminate();
        var exitCode = await gateway.Process.WaitForExitAsync(TimeSpan.FromSeconds(60), CertStreamSystem.Ct);
        foreach (var client in clients)
        {
            await client.WaitForAsync(c => c.Ended, TimeSpan.FromSeconds(30), "the stream ends");
        }

        Assert.Equal(0, exitCode);
        foreach (var client in clients.Where(c => c.Transport == Transport.WebSocket))
        {
            Assert.True(client.CloseStatus == WebSocketCloseStatus.EndpointUnavailable, $"close 1001 (going away): {client.Describe()}");
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }
}
