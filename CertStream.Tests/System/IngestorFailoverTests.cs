using CertStream.Tests.Infrastructure;
using CertStream.Tests.SystemTests.Support;
using StackExchange.Redis;

namespace CertStream.Tests.SystemTests;

/// <summary>
/// Issue 9: SIGKILL of an ingestor. The log it held moves to another replica after the lease expires and
/// resumes from the saved cursor: no gap, a bounded replay. Killing a replica that holds nothing disturbs nothing.
/// </summary>
public sealed class IngestorFailoverTests
{
    private const long MaxReplayPerLog = 1024;

    [Fact]
    public async Task Killing_the_lease_holder_hands_its_log_over_without_a_gap()
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
        var gateway = await system.StartGatewayAsync(redis);
        await using var client = await RecordingClient.ConnectAsync(gateway, Transport.WebSocket);
        var first = await system.StartIngestorAsync(redis, simulator);
        var second = await system.StartIngestorAsync(redis, simulator);
        var logs = await simulator.LogsAsync();

        // The lease value names the holder's PID; the victim is the holder of a lease (of both, if the other holds none).
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var holders = new Dictionary<string, int>();
        await Pulse.UntilAsync(() =>
        {
            holders = Leases.Holders(mux);
            return holders.Count == 2;
        }, TimeSpan.FromSeconds(120), "both logs are leased", CertStreamSystem.Ct, client.Changed);
        var tips = await simulator.LogsAsync();
        await client.WaitPastAsync(tips, 0, TimeSpan.FromSeconds(120), "both logs are followed");

        var victim = holders.Values.Contains(first.Process.Pid) ? first : second;
        victim.Process.Kill();
        await victim.Process.WaitForExitAsync(TimeSpan.FromSeconds(30), CertStreamSystem.Ct);

        // Taken over: entries appended after the kill reach the client from both logs.
        var sizes = await simulator.LogsAsync();
        await client.WaitPastAsync(sizes, 100, TimeSpan.FromSeconds(120),
            "both logs stream 100 entries past the kill (the lease expires and the survivor resumes)");

        client.AssertNoGaps(logs, MaxReplayPerLog);

        var survivor = victim == first ? second : first;
        Assert.Equal(2, Leases.Holders(mux).Values.Count(pid => pid == survivor.Process.Pid));
    }

    [Fact]
    public async Task Killing_a_replica_that_holds_no_lease_disturbs_no_log()
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
        var gateway = await system.StartGatewayAsync(redis);
        await using var client = await RecordingClient.ConnectAsync(gateway, Transport.WebSocket);
        var ingestors = new List<ServiceHandle>();
        for (var i = 0; i < 3; i++)
        {
            ingestors.Add(await system.StartIngestorAsync(redis, simulator));
        }

        // Three replicas, two logs: once both logs are leased, at least one replica holds none.
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var holders = new Dictionary<string, int>();
        await Pulse.UntilAsync(() =>
        {
            holders = Leases.Holders(mux);
            return holders.Count == 2;
        }, TimeSpan.FromSeconds(120), "both logs are leased", CertStreamSystem.Ct, client.Changed);
        var tips = await simulator.LogsAsync();
        await client.WaitPastAsync(tips, 0, TimeSpan.FromSeconds(120), "both logs are followed");

        var idle = ingestors.First(i => !Leases.Holders(mux).Values.Contains(i.Process.Pid));
        idle.Process.Kill();
        await idle.Process.WaitForExitAsync(TimeSpan.FromSeconds(30), CertStreamSystem.Ct);

        var sizes = await simulator.LogsAsync();
        await client.WaitPastAsync(sizes, 100, TimeSpan.FromSeconds(120),
            "both logs stream 100 entries past the kill");
        client.AssertNoGaps(sizes, MaxReplayPerLog);

        Assert.DoesNotContain(idle.Process.Pid, Leases.Holders(mux).Values);
    }
}
