using CertStream.CtLogSimulator;
using CertStream.CtLogSimulator.Configuration;
using CertStream.CtLogSimulator.Faults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CertStream.Tests.CtLogSimulator;

public sealed class SimulatorConfigurationTests
{
    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddCtLogSimulator();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void TheSimulatorSectionDescribesTheLogsAndTheirFaults()
    {
        using var services = Services(new()
        {
            ["Simulator:Rfc6962Logs"] = "3",
            ["Simulator:TiledLogs"] = "1",
            ["Simulator:InitialSize"] = "77",
            ["Simulator:EntriesPerSecond"] = "0",
            ["Simulator:PageCap"] = "32",
            ["Simulator:TileEncoding"] = "Identity",
            ["Simulator:Faults:0:Log"] = "rfc6962-1",
            ["Simulator:Faults:0:Kind"] = "TooManyRequests",
            ["Simulator:Faults:0:Count"] = "2",
            ["Simulator:Faults:1:Log"] = "*",
            ["Simulator:Faults:1:Kind"] = "ServerError",
            ["Simulator:Faults:1:Endpoint"] = "Checkpoint",
            ["Simulator:Faults:1:Every"] = "10",
        });

        var registry = services.GetRequiredService<SimulatedLogRegistry>();
        var logs = registry.Snapshot();

        Assert.Equal(["rfc6962-0", "rfc6962-1", "rfc6962-2", "tiled-0"], logs.Select(l => l.Name));
        Assert.All(logs, l => Assert.Equal(77, l.TreeSize));
        Assert.Equal(32, logs[0].PageCap);
        Assert.Equal(SimulatedTileEncoding.Identity, logs[3].Options.TileEncoding);
        Assert.Equal(0, logs[0].PendingFaults);
        Assert.Equal(2, logs[1].PendingFaults);
        Assert.Equal(SimulatedFaultKind.TooManyRequests, logs[1].Faults.Take(SimulatedEndpoint.GetSth)?.Kind);
        for (var i = 1; i < 10; i++)
        {
            Assert.Null(logs[3].Faults.Take(SimulatedEndpoint.Checkpoint));
        }

        Assert.Equal(SimulatedFaultKind.ServerError, logs[3].Faults.Take(SimulatedEndpoint.Checkpoint)?.Kind);
    }

    [Fact]
    public void InvalidSettingsAreAllReportedAtOnce()
    {
        using var services = Services(new()
        {
            ["Simulator:InitialSize"] = "-1",
            ["Simulator:PageCap"] = "0",
            ["Simulator:PublicBaseUrl"] = "ftp://x",
            ["Simulator:Faults:0:Kind"] = "ServerError",
            ["Simulator:Faults:0:StatusCode"] = "200",
        });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SimulatorOptions>>().Value);

        Assert.Equal(5, error.Failures.Count());
    }
}
