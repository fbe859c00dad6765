using CertStream.Tests.SystemTests.Support;

namespace CertStream.Tests.SystemTests;

/// <summary>
/// Issue 8 (7): certstream-go reads each message with a 15 s deadline and pings every 15 s; when the
/// log goes quiet it must get a JSON heartbeat within 10 s of silence, whatever control frames flow.
/// </summary>
public sealed class QuietLogTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Certstream_go_client_stays_connected_through_60_seconds_of_a_quiet_log()
    {
        await using var system = CertStreamSystem.Create();
        var redis = await system.StartRedisAsync();
        var simulator = await system.StartSimulatorAsync(new Dictionary<string, string>
        {
            ["Rfc6962Logs"] = "1",
            ["TiledLogs"] = "0",
            ["InitialSize"] = "10",
            ["EntriesPerSecond"] = "0",
        });
        var gateway = await system.StartGatewayAsync(redis);
        await system.StartIngestorAsync(redis, simulator);

        // The go client: gorilla's ReadJSON with SetReadDeadline(15 s) before each read, a ping every 15 s.
        await using var client = await RecordingClient.ConnectAsync(gateway, Transport.WebSocket, new RecordingOptions
        {
            ReadDeadline = TimeSpan.FromSeconds(15),
            PingInterval = TimeSpan.FromSeconds(15),
        }, "certstream-go");

        // A few certificates (once the ingestor follows the log), then nothing more: the log is quiet from the last one on.
        var log = await simulator.LogAsync("rfc6962-0");
        await Cursors.WaitForAsync(redis, [log], TimeSpan.FromSeconds(120));
        var last = await simulator.GrowAsync(log.Name, 5);
        await client.WaitForIndexAsync(log.Url, last.TreeSize - 1, TimeSpan.FromSeconds(60), "the last certificate before the quiet spell arrives");
        var heartbeatsBefore = client.Heartbeats;

        // Observe the quiet spell for its full length (this is the duration under test, not a wait for
        // something); the client's own deadline ends the connection early if a heartbeat is late.
        await Task.WhenAny(client.Completion, Task.Delay(Quiet, CertStreamSystem.Ct));

        Assert.False(client.Ended, $"the client lost its connection during the quiet spell: {client.Describe()}");
        Assert.True(client.Heartbeats - heartbeatsBefore >= 3, $"heartbeats every 10 s of silence: {client.Describe()}");
    }
}
