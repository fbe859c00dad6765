using CertStream.ServiceDefaults.Configuration;
using CertStream.ServiceDefaults.Redis;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

public static class CertStreamRedisExtensions
{
    /// <summary>
    /// The Redis client of a service (connection string <c>ConnectionStrings:&lt;name&gt;</c>, as
    /// Aspire and the manifests pass it): checked at startup (a missing or empty one stops the start
    /// naming the setting), never aborting on a failed connect (the multiplexer keeps retrying),
    /// readiness unhealthy while Redis is unreachable, and an outage reported once per interval.
    /// <paramref name="commandTracing"/> false leaves out Aspire's span per Redis command (a service
    /// that sends thousands of commands a second: the instrumentation's profiler holds every command,
    /// and the buffers it sent, until its next flush).
    /// </summary>
    public static TBuilder AddCertStreamRedis<TBuilder>(this TBuilder builder, string name, Action<ConfigurationOptions>? configure = null,
        bool commandTracing = true) where TBuilder : IHostApplicationBuilder
    {
        builder.AddRedisClient(name,
            settings =>
            {
                // Aspire's check would wait for a ping timeout when Redis is gone; ours answers at once.
                settings.DisableHealthChecks = true;
                settings.DisableTracing |= !commandTracing;
                Validate(name, settings.ConnectionString);
            },
            options =>
            {
                options.AbortOnConnectFail = false;
                configure?.Invoke(options);
            });
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        builder.Services.AddHostedService<RedisAvailabilityMonitor>();
        return builder;
    }

    private static void Validate(string name, string? connectionString)
    {
        var key = $"ConnectionStrings:{name} (ConnectionStrings__{name})";
        // Reported rather than thrown: under --validate-config the other settings are checked too.
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            SettingProblems.Report(new InvalidSettingException($"{key}: not set or empty; give the Redis server as host:port, e.g. localhost:6379."));
            return;
        }

        try
        {
            if (ConfigurationOptions.Parse(connectionString).EndPoints.Count == 0)
            {
                SettingProblems.Report(new InvalidSettingException($"{key}: names no Redis server (host:port)."));
            }
        }
        catch (ArgumentException ex)
        {
            // The value is not echoed: it may hold a password.
            SettingProblems.Report(new InvalidSettingException($"{key}: not a Redis connection string: {ex.Message}", ex));
        }
    }
}
