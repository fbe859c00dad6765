using CertStream.Contracts;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.Gateway;

/// <summary>
/// Connection churn does not flood the log: each connection is logged at Debug only, and one
/// Information line a minute sums up the clients that came and went, when any did.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ConnectionLogTests(RedisFixture redis)
{
    private const int SummaryEvent = 2100;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ConnectionsAreLoggedAtDebugAndSummedUpOnceAMinute()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        var logs = new FakeLogCollector();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, time: time, cancellationToken: ct, logs: new FakeLoggerProvider(logs));
        logs.Clear(); // startup lines (the TCP listener) are not churn

        // 10 WebSocket and 5 SSE clients come and go (each the only one of its stream at times,
        // so the stream subscribes and unsubscribes too); one TCP client stays.
        using var tcp = await TcpTestClient.ConnectAsync(gateway.TcpPort, 'd', ct);
        // The TCP client is registered after its selector arrives, not before ConnectAsync returns.
        await Eventually.TrueAsync(() => gateway.Hub.Topic(StreamKind.Domains).Clients.Length == 1, Wait, "TCP client registered", ct);
        for (var i = 0; i < 10; i++)
        {
            await using var ws = await WebSocketTestClient.ConnectAsync(gateway.WebSocketUri("/"), ct);
            await Eventually.TrueAsync(() => gateway.Hub.Topic(StreamKind.Lite).Clients.Length == 1, Wait, "WebSocket client registered", ct);
        }

        for (var i = 0; i < 5; i++)
        {
            await using var sse = await SseTestClient.ConnectAsync(gateway.Http("/sse?stream=full"), ct);
        }

        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 1, Wait, "only the TCP client left", ct);
        await Eventually.TrueAsync(() => Ours(logs).Count(r => r.Id.Id == 2005) == 15, Wait, "15 disconnections logged", ct);
        Assert.DoesNotContain(Ours(logs), r => r.Level >= LogLevel.Information);
        Assert.Equal(16, Ours(logs).Count(r => r.Id.Id == 2004 && r.Level == LogLevel.Debug));

        // A minute on: one summary.
        Advance(time, 60);
        var summary = Assert.Single(Ours(logs), r => r.Id.Id == SummaryEvent);
        Assert.Equal(LogLevel.Information, summary.Level);
        Assert.Equal(
            "Clients in the last minute: 16 connected, 15 disconnected (0 closed as slow, 0 as dead peers, 0 for stalled writes); connected now: 0 lite, 0 full, 1 domains",
            summary.Message);

        // A minute without changes: nothing (the TCP client still gets its heartbeats).
        Advance(time, 60);
        Assert.Single(Ours(logs), r => r.Id.Id == SummaryEvent);
        Assert.NotNull(await tcp.ReadLineAsync(ct));

        // The last client leaves: one more summary.
        tcp.Dispose();
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 0, Wait, "TCP client unregistered", ct);
        Advance(time, 60);
        Assert.Equal(2, Ours(logs).Count(r => r.Id.Id == SummaryEvent));
        Assert.Equal(
            "Clients in the last minute: 0 connected, 1 disconnected (0 closed as slow, 0 as dead peers, 0 for stalled writes); connected now: 0 lite, 0 full, 0 domains",
            Ours(logs).Last(r => r.Id.Id == SummaryEvent).Message);
        Assert.Equal(2, Ours(logs).Count(r => r.Level >= LogLevel.Information));
    }

    private static IEnumerable<FakeLogRecord> Ours(FakeLogCollector logs) =>
        logs.GetSnapshot().Where(r => r.Category?.StartsWith("CertStream.Gateway", StringComparison.Ordinal) == true);

    private static void Advance(FakeTimeProvider time, int seconds)
    {
        for (var i = 0; i < seconds; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }
    }
}
