using CertStream.Tests.SystemTests.Support;

namespace CertStream.Tests.SystemTests;

/// <summary>
/// Issue 8 (1): a fresh system follows each log from its tip. Real CT logs hold hundreds of millions of
/// entries; the simulator serves 10^9 per log (computed on demand), one RFC 6962 and one tiled.
/// </summary>
public sealed class StartAtTipTests
{
    private const long InitialSize = 1_000_000_000;

    /// <summary>How far behind the tip the first published entry may be: one data tile / get-entries page.</summary>
    private const long TipSlack = 256;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Fresh_system_publishes_from_the_tip_of_a_log_holding_a_billion_entries(bool emptyStateFile)
    {
        await using var system = CertStreamSystem.Create();
        var redis = await system.StartRedisAsync();
        var simulator = await system.StartSimulatorAsync(new Dictionary<string, string>
        {
            ["Rfc6962Logs"] = "1",
            ["TiledLogs"] = "1",
            ["InitialSize"] = InitialSize.ToString(),
            ["EntriesPerSecond"] = "20",
        });
        var gateway = await system.StartGatewayAsync(redis);
        await using var client = await RecordingClient.ConnectAsync(gateway, Transport.WebSocket);

        var environment = new Dictionary<string, string?>();
        if (emptyStateFile)
        {
            var stateFile = Path.Combine(system.WorkDirectory, "state.json");
            await File.WriteAllTextAsync(stateFile, """{"version":1,"logs":{}}""", CertStreamSystem.Ct);
            environment["CERTSTREAM_CT_LOG_STATE_FILE"] = stateFile;
        }

        var before = await simulator.LogsAsync();
        var ingestor = await system.StartIngestorAsync(redis, simulator, environment);

        // Both logs deliver, then 40 further entries each (two seconds of growth) arrive without a gap.
        await client.WaitForAsync(c => before.All(log => c.For(log.Url) is { } r && r.Max >= r.First + 40), TimeSpan.FromSeconds(120),
            "both logs stream 40 entries past the first one delivered");

        foreach (var log in before)
        {
            var record = client.For(log.Url)!;
            Assert.True(record.First >= log.TreeSize - TipSlack,
                $"{log.Name}: the first index published was {record.First}, the tip was {log.TreeSize} when the ingestor started ({record})\n{ingestor.Process.Tail()}");
            Assert.Equal(0, record.MissingCount());
        }
    }
}
