using CertStream.Ingestor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CertStream.Tests.Infrastructure;

/// <summary>
/// The real ingestor (the same host Program.cs runs) started in-process on a free loopback port,
/// with test-friendly intervals. Dispose stops it gracefully (leases released, state flushed).
/// </summary>
public sealed class IngestorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private IngestorHost(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public IServiceProvider Services => _app.Services;

    public static async Task<IngestorHost> StartAsync(string redis, string logListUrl, IDictionary<string, string?>? settings = null,
        Action<WebApplicationBuilder>? configure = null, CancellationToken ct = default)
    {
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redis,
            ["ct_logs_url"] = logListUrl,
            ["ct_log:poll_interval_ms"] = "50",
            ["ct_log:coordination_interval_ms"] = "200",
            ["ct_log:lease_ttl_ms"] = "1000",
            ["ct_log:retry_max_attempts"] = "5",
            ["ct_log:request_timeout_secs"] = "5",
            ["ct_log:circuit_open_secs"] = "1",
            // The simulator serves real recorded entries (years old) first: tests that follow a log
            // from index 0 would see them skipped as stale backlog. Tests of the skip set it.
            ["ct_log:catchup_max_age_secs"] = "0",
            ["urls"] = "http://127.0.0.1:0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var app = IngestorApp.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(values);
            configure?.Invoke(b);
        });
        var host = new IngestorHost(app);
        await app.StartAsync(ct);
        host.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
