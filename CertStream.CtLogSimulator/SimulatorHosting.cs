using CertStream.CtLogSimulator.Configuration;
using CertStream.CtLogSimulator.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;

namespace CertStream.CtLogSimulator;

/// <summary>Wiring of the simulator process (Program.cs): logs from the <c>Simulator</c> section.</summary>
internal static class SimulatorHosting
{
    /// <summary>
    /// Lowest-priority defaults: one log line per request is too much for a load tool, so ASP.NET Core's
    /// request logs start at Warning (any configuration source can still lower it).
    /// </summary>
    public static IConfigurationBuilder AddSimulatorDefaults(this IConfigurationBuilder configuration)
    {
        configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning" },
        });
        return configuration;
    }

    public static IServiceCollection AddCtLogSimulator(this IServiceCollection services)
    {
        services.AddCertStreamOptions<SimulatorOptions, SimulatorOptionsValidator>(SimulatorOptions.Section);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SimulatorOptions>>().Value;
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("CertStream.CtLogSimulator");
            var registry = new SimulatedLogRegistry(TimeProvider.System, string.IsNullOrEmpty(options.PublicBaseUrl) ? null : options.PublicBaseUrl);
            foreach (var logOptions in options.LogOptions())
            {
                var log = registry.Add(logOptions);
                foreach (var fault in options.Faults)
                {
                    if (!fault.Matches(log.Name))
                    {
                        continue;
                    }

                    if (fault.Every > 0)
                    {
                        log.InjectFaultEvery(fault.ToFault(), fault.Every);
                        logger.LogInformationFault(log.Name, fault.Kind.ToString(), $"every {fault.Every} requests");
                    }
                    else
                    {
                        log.InjectFault(fault.ToFault(), fault.Count);
                        logger.LogInformationFault(log.Name, fault.Kind.ToString(), $"the first {fault.Count} requests");
                    }
                }
            }

            return registry;
        });
        return services;
    }

    public static WebApplication MapCtLogSimulator(this WebApplication app)
    {
        var registry = app.Services.GetRequiredService<SimulatedLogRegistry>();
        app.MapCtLogSimulator(registry);
        if (app.Services.GetRequiredService<IOptions<SimulatorOptions>>().Value.ControlApi)
        {
            app.MapSimulatorControl(registry);
        }

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            var first = addresses?.FirstOrDefault() ?? "http://localhost";

            // A wildcard listen address is not a URL a client can use.
            registry.BaseUrl = first.Replace("://+", "://localhost", StringComparison.Ordinal)
                .Replace("://*", "://localhost", StringComparison.Ordinal)
                .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
                .Replace("://[::]", "://localhost", StringComparison.Ordinal);
            var options = app.Services.GetRequiredService<IOptions<SimulatorOptions>>().Value;
            app.Logger.LogInformationStarted(options.Rfc6962Logs, options.TiledLogs, options.InitialSize, options.EntriesPerSecond,
                registry.BaseUrl + SimulatorEndpoints.LogListPath);
        });
        app.Lifetime.ApplicationStopped.Register(registry.Dispose);
        return app;
    }
}
