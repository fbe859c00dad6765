using CertStream.CtLogSimulator;

namespace CertStream.Tests.CtLogSimulator;

public sealed class SimulatorLogListTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheLogListNamesEveryLogWithItsUrlKindAndState()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var rfc = sim.AddRfc6962Log("alpha", initialSize: 5);
        var tiled = sim.AddTiledLog("beta", initialSize: 300);
        var frozen = sim.AddRfc6962Log("gamma", initialSize: 42);
        frozen.State = SimulatedLogState.ReadOnly;
        using var http = new HttpClient();

        using var list = await http.GetJsonAsync(sim.LogListUrl);
        var operators = list.RootElement.GetProperty("operators");
        var op = Assert.Single(operators.EnumerateArray());
        var logs = op.GetProperty("logs").EnumerateArray().ToList();
        var tiledLogs = op.GetProperty("tiled_logs").EnumerateArray().ToList();

        Assert.Equal([rfc.Url, frozen.Url], logs.Select(l => l.GetProperty("url").GetString()));
        Assert.True(logs[0].GetProperty("state").TryGetProperty("usable", out _));
        var finalHead = logs[1].GetProperty("state").GetProperty("readonly").GetProperty("final_tree_head");
        Assert.Equal(42, finalHead.GetProperty("tree_size").GetInt64());
        var tiledLog = Assert.Single(tiledLogs);
        Assert.Equal(tiled.Url, tiledLog.GetProperty("monitoring_url").GetString());
        Assert.Equal(tiled.Url, tiledLog.GetProperty("submission_url").GetString());
        Assert.Equal(rfc.LogId.ToArray(), logs[0].GetProperty("log_id").GetBytesFromBase64());
        Assert.Equal(rfc.PublicKeySpki.ToArray(), logs[0].GetProperty("key").GetBytesFromBase64());
        Assert.StartsWith(sim.BaseUrl + "/logs/", rfc.Url, StringComparison.Ordinal);
        Assert.EndsWith("/", rfc.Url, StringComparison.Ordinal);

        sim.RemoveLog("alpha");
        using var after = await http.GetJsonAsync(sim.LogListUrl);
        Assert.Single(after.RootElement.GetProperty("operators")[0].GetProperty("logs").EnumerateArray());
    }
}
