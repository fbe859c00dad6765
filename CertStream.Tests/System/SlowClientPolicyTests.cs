using CertStream.Tests.SystemTests.Support;

namespace CertStream.Tests.SystemTests;

/// <summary>
/// Issue 9 (3): a client that never reads is closed by the slow-client policy (reason slow_client; on
/// WebSocket close 1008 "client too slow: N messages dropped") once it has lost messages for
/// slow_client_grace_secs, on each transport, long before the write-stall and dead-peer limits; the
/// clients that read lose nothing meanwhile. A client that reads too slowly (and answers pings) is closed the same way.
/// </summary>
public sealed class SlowClientPolicyTests
{
    [Fact]
    public async Task Never_reading_clients_are_closed_as_slow_on_every_transport_while_readers_lose_nothing()
    {
        await using var system = CertStreamSystem.Create();
        var redis = await system.StartRedisAsync();
        var simulator = await system.StartSimulatorAsync(new Dictionary<string, string>
        {
            ["Rfc6962Logs"] = "1",
            ["TiledLogs"] = "1",
            ["InitialSize"] = "100",
            ["EntriesPerSecond"] = "100",
        });

        // A short grace; the stall and dead-peer limits far beyond it, so only the slow-client policy can close them in time.
        var gateway = await system.StartGatewayAsync(redis, new Dictionary<string, string?>
        {
            ["gateway__slow_client_grace_secs"] = "5",
            ["gateway__dead_peer_timeout_secs"] = "600",
        });
        await system.StartIngestorAsync(redis, simulator);

        var readers = new List<RecordingClient>();
        foreach (var transport in Enum.GetValues<Transport>())
        {
            readers.Add(await RecordingClient.ConnectAsync(gateway, transport));
        }

        var tips = await simulator.LogsAsync();
        foreach (var reader in readers)
        {
            await reader.WaitPastAsync(tips, 0, TimeSpan.FromSeconds(120), "the reader is live");
        }

        // A client that reads, and answers pings, but at a quarter of the full stream's 200 messages/s.
        await using var slowReader = await RecordingClient.ConnectAsync(gateway, Transport.WebSocket,
            new RecordingOptions { Stream = "full", MessagesPerSecond = 50 }, "slow-reader");

        var stalled = new List<NeverReadingClient>();
        foreach (var transport in Enum.GetValues<Transport>())
        {
            stalled.Add(await NeverReadingClient.ConnectAsync(gateway, transport, stream: "full"));
        }

        // Signal: the gateway's own disconnect counter, by protocol and reason.
        await Eventually(async () =>
        {
            var text = await gateway.MetricsAsync();
            return new[] { ("websocket", 2), ("sse", 1), ("tcp", 1) }.All(p =>
                PrometheusText.Sum(text, "certstream_gateway_disconnects_total", "protocol=" + p.Item1, "reason=slow_client") >= p.Item2);
        }, TimeSpan.FromSeconds(150), "the gateway closes each never-reading client and the slow reader as slow_client", gateway);

        // The slow reader's connection ends. (Its 1008 frame sits behind the data already in the socket
        // buffers, which it reads at its slow pace; whether it gets there before the gateway's close
        // timeout aborts the connection is reported, not asserted.)
        slowReader.StopPacing();
        await slowReader.WaitForAsync(c => c.Ended, TimeSpan.FromSeconds(60), "the slow reader's connection ends");
        TestContext.Current.TestOutputHelper?.WriteLine($"slow reader: {slowReader.Describe()}");

        var metrics = await gateway.MetricsAsync();
        foreach (var reason in new[] { "write_stall", "dead_peer" })
        {
            Assert.True((PrometheusText.Sum(metrics, "certstream_gateway_disconnects_total", "reason=" + reason) ?? 0) == 0, $"no client closed as {reason}:\n{metrics}");
        }

        var ws = await stalled[0].DrainAsync(TimeSpan.FromSeconds(60));
        TestContext.Current.TestOutputHelper?.WriteLine($"WebSocket never-reader: {ws}");
        Assert.True(ws.EndedByServer, $"the WebSocket connection was ended: {ws}");
        if (ws.CloseStatus is { } status)
        {
            Assert.Equal(global::System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, status);
            Assert.Contains("too slow", ws.CloseReason, StringComparison.Ordinal);
        }

        foreach (var client in stalled.Skip(1))
        {
            var drained = await client.DrainAsync(TimeSpan.FromSeconds(60));
            Assert.True(drained.EndedByServer, $"the {client.Transport} connection was ended: {drained}");
        }

        // The readers: still connected, every index since they joined, nothing dropped for them.
        var sizes = await simulator.LogsAsync();
        foreach (var reader in readers)
        {
            await reader.WaitPastAsync(sizes, 0, TimeSpan.FromSeconds(120), "the reader is still live");
            Assert.False(reader.Ended, reader.Describe());
            foreach (var log in sizes)
            {
                Assert.True(reader.For(log.Url)!.MissingCount() == 0, reader.Describe());
            }
        }

        var droppedLite = PrometheusText.Sum(await gateway.MetricsAsync(), "certstream_gateway_messages_dropped_total", "stream=lite") ?? 0;
        Assert.True(droppedLite == 0, $"the readers' stream lost {droppedLite} messages");

        foreach (var client in stalled)
        {
            await client.DisposeAsync();
        }

        foreach (var reader in readers)
        {
            await reader.DisposeAsync();
        }
    }

    /// <summary>Polls an HTTP-only state (the metrics endpoint has no push signal) every 250 ms.</summary>
    private static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string because, ServiceHandle service)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out after {timeout.TotalSeconds:0} s: {because}\n{await service.MetricsAsync()}\n{service.Process.Tail()}");
            await Task.Delay(250, CertStreamSystem.Ct);
        }
    }
}
