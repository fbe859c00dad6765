using CertStream.Tests.Gateway.Support;
using CertStream.Tests.SystemTests.Support;

namespace CertStream.Tests.SystemTests;

/// <summary>
/// Issue 14, the resume seam: while the simulator grows a log steadily and a real ingestor publishes
/// it, one client disconnects at random moments and reconnects 100 times with its last cursor,
/// alternating between two gateways (one with a warm ring, one that subscribes afresh each time, so
/// both the ring and the Redis replay paths are crossed) and picking WebSocket, SSE (Last-Event-ID)
/// or TCP at random. The union of the certificate indices it received has no gap and no duplicate.
/// </summary>
public sealed class ResumeSeamTests
{
    private const int Reconnects = 100;

    [Fact]
    public async Task A_client_reconnecting_100_times_at_random_moments_misses_nothing_and_gets_nothing_twice()
    {
        var ct = CertStreamSystem.Ct;
        var output = TestContext.Current.TestOutputHelper;
        await using var system = CertStreamSystem.Create();
        var redis = await system.StartRedisAsync();
        var simulator = await system.StartSimulatorAsync(new Dictionary<string, string>
        {
            ["Rfc6962Logs"] = "1",
            ["TiledLogs"] = "0",
            ["InitialSize"] = "100",
            ["EntriesPerSecond"] = "40",
        });
        await system.StartIngestorAsync(redis, simulator);
        var gateways = new[] { await system.StartGatewayAsync(redis), await system.StartGatewayAsync(redis) };

        // Keeps the second gateway subscribed: its ring holds the recent messages.
        await using var watcher = await ResumeClient.ConnectAsync(ResumeTransport.WebSocket, gateways[1].HttpPort, gateways[1].TcpPort, null, ct);

        var random = new Random(Environment.TickCount);
        var indices = new List<long>();
        var perConnection = new List<int>();
        var notices = new List<string>();
        string? cursor = null;
        for (var attempt = 0; attempt <= Reconnects; attempt++)
        {
            var gateway = gateways[attempt % 2];
            var transport = (ResumeTransport)random.Next(3);
            var received = 0;
            await using (var client = await ResumeClient.ConnectAsync(transport, gateway.HttpPort, gateway.TcpPort, cursor, ct))
            {
                // The moment of the disconnect is random: half the time after a random number of
                // messages (inside a publish burst, or inside the replay), else after a random time
                // (often between bursts, or before the first message).
                var afterMessages = random.Next(2) == 0 ? random.Next(1, 60) : int.MaxValue;
                using var moment = CancellationTokenSource.CreateLinkedTokenSource(ct);
                moment.CancelAfter(TimeSpan.FromMilliseconds(afterMessages == int.MaxValue ? random.Next(0, 600) : 3000));
                try
                {
                    while (received < afterMessages && await client.ReadAsync(moment.Token) is { } message)
                    {
                        if (message.Type == "messages_dropped")
                        {
                            notices.Add(message.Json);
                            continue;
                        }

                        indices.Add(message.Index);
                        cursor = message.Cursor;
                        received++;
                    }
                }
                catch (Exception ex) when (moment.IsCancellationRequested && !ct.IsCancellationRequested && ex is OperationCanceledException or IOException or global::System.Net.WebSockets.WebSocketException)
                {
                }
            }

            perConnection.Add(received);
        }

        // Growth stops; one last resume collects the rest up to the tip.
        await simulator.SetRateAsync("*", 0);
        var tip = (await simulator.LogsAsync()).Single().TreeSize;
        await using (var last = await ResumeClient.ConnectAsync(ResumeTransport.WebSocket, gateways[0].HttpPort, gateways[0].TcpPort, cursor, ct))
        {
            while (indices.Count == 0 || indices[^1] < tip - 1)
            {
                var message = await last.ReadAsync(ct);
                Assert.NotNull(message);
                if (message.Type == "messages_dropped")
                {
                    notices.Add(message.Json);
                    continue;
                }

                indices.Add(message.Index);
            }
        }

        var distinct = indices.Distinct().Count();
        var first = indices.Min();
        output?.WriteLine($"{Reconnects} reconnects, {indices.Count} certificates (indices {first}-{indices.Max()}, tip {tip}); " +
            $"per connection: min {perConnection.Min()}, median {perConnection.Order().ElementAt(perConnection.Count / 2)}, max {perConnection.Max()}, " +
            $"{perConnection.Count(c => c == 0)} connections got none, {perConnection.Count(c => c > 0)} crossed a seam with messages");
        Assert.Empty(notices);
        Assert.Equal(indices.Count, distinct); // no duplicate
        Assert.Equal(tip - first, distinct);   // no gap from the first index to the tip
        Assert.Equal(indices.Order(), indices); // in order across every seam
        Assert.True(tip - first > 2 * Reconnects, $"the log grew {tip - first} entries: too few to cross seams");
    }
}
