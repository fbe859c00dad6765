using System.Net;
using CertStream.CtLogSimulator.Faults;
using CertStream.CtLogSimulator.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CertStream.CtLogSimulator;

/// <summary>Options of an in-process simulator.</summary>
public sealed record SimulatedCtLogServerOptions
{
    /// <summary>Drives log growth, STH timestamps and the log list dates (use FakeTimeProvider in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where Kestrel logs go; null: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>
/// A simulated CT log server on Kestrel at http://127.0.0.1:&lt;free port&gt;, for tests:
/// <code>await using var sim = await SimulatedCtLogServer.StartAsync(new(), ct);
/// var log = sim.AddRfc6962Log("argon", initialSize: 100, pageCap: 32);</code>
/// Logs can be added, grown, faulted and removed while it runs.
/// </summary>
public sealed class SimulatedCtLogServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SimulatedLogRegistry _registry;

    private SimulatedCtLogServer(WebApplication app, SimulatedLogRegistry registry, string baseUrl)
    {
        _app = app;
        _registry = registry;
        BaseUrl = baseUrl;
    }

    /// <summary>http://127.0.0.1:&lt;port&gt; (no trailing '/').</summary>
    public string BaseUrl { get; }

    /// <summary>The v3 log list naming every log: the URL for <c>ct_logs_url</c>.</summary>
    public string LogListUrl => BaseUrl + SimulatorEndpoints.LogListPath;

    public IReadOnlyList<SimulatedLog> Logs => _registry.Snapshot();

    /// <summary>Requests received for <c>/log_list.json</c>.</summary>
    public long LogListRequests => _registry.LogListRequests;

    public static async Task<SimulatedCtLogServer> StartAsync(SimulatedCtLogServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SimulatedCtLogServerOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SimulatedCtLogServer).Assembly.GetName().Name,
            EnvironmentName = Environments.Production,
            Args = [],
        });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        if (options.LoggerFactory is { } loggerFactory)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        var registry = new SimulatedLogRegistry(options.TimeProvider);
        var app = builder.Build();
        app.MapGet("/health", () => "OK");
        app.MapCtLogSimulator(registry);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            registry.Dispose();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var baseUrl = address.TrimEnd('/');
        registry.BaseUrl = baseUrl;
        return new SimulatedCtLogServer(app, registry, baseUrl);
    }

    /// <summary>An RFC 6962 log: <see cref="SimulatedLog.Url"/> is its <c>url</c>.</summary>
    public SimulatedLog AddRfc6962Log(string name, long initialSize, int pageCap = 256, double entriesPerSecond = 0) =>
        AddLog(new SimulatedLogOptions
        {
            Name = name,
            Kind = SimulatedLogKind.Rfc6962,
            InitialSize = initialSize,
            PageCap = pageCap,
            EntriesPerSecond = entriesPerSecond,
        });

    /// <summary>A static-ct-api log: <see cref="SimulatedLog.Url"/> is its <c>monitoring_url</c>.</summary>
    public SimulatedLog AddTiledLog(string name, long initialSize, double entriesPerSecond = 0) =>
        AddLog(new SimulatedLogOptions
        {
            Name = name,
            Kind = SimulatedLogKind.Tiled,
            InitialSize = initialSize,
            EntriesPerSecond = entriesPerSecond,
        });

    public SimulatedLog AddLog(SimulatedLogOptions options) => _registry.Add(options);

    /// <summary>Removes a log from the list; its URLs answer 404 from then on.</summary>
    public bool RemoveLog(string name) => _registry.Remove(name);

    public SimulatedLog GetLog(string name) => _registry.Find(name) ?? throw new KeyNotFoundException($"no simulated log named '{name}'");

    /// <summary>The next <paramref name="count"/> log list requests get <paramref name="fault"/>.</summary>
    public void InjectLogListFault(SimulatedFault fault, int count = 1) => _registry.LogListFaults.Add(fault, count);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _registry.Dispose();
    }
}
