using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using CertStream.AppHost.Redis;

namespace CertStream.AppHost.RabbitMq;

/// <summary>
/// The RabbitMQ of the durable feed, added only when the feed is switched on:
/// <c>CERTSTREAM_FEED_ENABLED=true</c> in the AppHost's environment, or <c>CertStream:Feed=true</c>.
/// <c>CertStream:RabbitMqMode</c> = auto (default) | container | local | external: auto takes a
/// container when a runtime answers, else Debian's rabbitmq-server as a local process (as Redis is
/// chosen); external uses <c>ConnectionStrings:rabbitmq</c>. In publish mode it is always the container.
/// </summary>
public static class CertStreamRabbitMqExtensions
{
    public const string FeedVariable = "CERTSTREAM_FEED_ENABLED";
    public const string FeedKey = "CertStream:Feed";
    private const string DefaultServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    public static bool FeedEnabled(IConfiguration configuration)
    {
        foreach (var key in new[] { FeedKey, FeedVariable })
        {
            if (configuration[key] is { Length: > 0 } raw)
            {
                return bool.TryParse(raw.Trim(), out var on)
                    ? on
                    : throw new InvalidOperationException($"{key}: '{raw}' must be true or false.");
            }
        }

        return false;
    }

    /// <summary>The feed's RabbitMQ, or null when the feed is off.</summary>
    public static IResourceBuilder<IResourceWithConnectionString>? AddCertStreamRabbitMq(this IDistributedApplicationBuilder builder, string name)
    {
        if (!FeedEnabled(builder.Configuration))
        {
            return null;
        }

        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddRabbitMQ(name);
        }

        var mode = (builder.Configuration["CertStream:RabbitMqMode"] ?? "auto").Trim().ToLowerInvariant();
        var server = builder.Configuration["CertStream:RabbitMqServerPath"] ?? DefaultServerScript;
        if (mode == "auto")
        {
            mode = builder.Configuration.GetConnectionString(name) is { Length: > 0 } ? "external"
                : ContainerRuntime.IsAvailable() ? "container"
                : "local";
        }

        Console.WriteLine($"CertStream: durable feed on, RabbitMQ mode '{mode}'" + (mode == "local" ? $" ({server})" : ""));
        return mode switch
        {
            "container" => builder.AddRabbitMQ(name),
            "external" => builder.AddConnectionString(name),
            "local" => File.Exists(server)
                ? builder.AddLocalRabbitMq(name, server)
                : throw new InvalidOperationException($"CertStream:RabbitMqMode=local but {server} does not exist: apt-get install rabbitmq-server (or set CertStream:RabbitMqServerPath)."),
            _ => throw new InvalidOperationException($"CertStream:RabbitMqMode: '{mode}' is not one of auto, container, local, external."),
        };
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddLocalRabbitMq(this IDistributedApplicationBuilder builder, string name, string server)
    {
        // The node's data, logs and settings stay in the AppHost's obj/ folder, never in /var/lib/rabbitmq
        // (the script is run directly, as the current user, not through Debian's wrapper that switches to
        // the rabbitmq user). The queues survive an AppHost restart.
        var data = Path.Combine(builder.AppHostDirectory, "obj", name);
        foreach (var sub in new[] { "mnesia", "log", "home" })
        {
            Directory.CreateDirectory(Path.Combine(data, sub));
        }

        File.WriteAllText(Path.Combine(data, "enabled_plugins"), "[].");
        File.WriteAllText(Path.Combine(data, "rabbitmq-env.conf"), "");
        var resource = new LocalRabbitMqResource(name, server, data);
        var healthKey = $"{name}_amqp";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthKey, async ct =>
        {
            var cs = await resource.ConnectionStringExpression.GetValueAsync(ct);
            return cs is not null && await AmqpProbe.AnswersAsync(new Uri(cs), ct)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("no AMQP answer");
        });

        var amqp = resource.AmqpEndpoint;
        var dist = new EndpointReference(resource, LocalRabbitMqResource.DistEndpointName);
        var epmd = new EndpointReference(resource, LocalRabbitMqResource.EpmdEndpointName);
        return builder.AddResource(resource)
            .WithEndpoint(LocalRabbitMqResource.AmqpEndpointName, e => { e.UriScheme = "tcp"; e.IsProxied = false; }, createIfNotExists: true)
            .WithEndpoint(LocalRabbitMqResource.DistEndpointName, e => { e.UriScheme = "tcp"; e.IsProxied = false; }, createIfNotExists: true)
            .WithEndpoint(LocalRabbitMqResource.EpmdEndpointName, e => { e.UriScheme = "tcp"; e.IsProxied = false; }, createIfNotExists: true)
            .WithEnvironment(ctx =>
            {
                ctx.EnvironmentVariables["HOME"] = Path.Combine(data, "home");
                ctx.EnvironmentVariables["RABBITMQ_NODENAME"] = $"certstream-{name}@localhost";
                ctx.EnvironmentVariables["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
                ctx.EnvironmentVariables["RABBITMQ_NODE_PORT"] = amqp.Property(EndpointProperty.TargetPort);
                ctx.EnvironmentVariables["RABBITMQ_DIST_PORT"] = dist.Property(EndpointProperty.TargetPort);
                // Its own epmd on a free port: the node starts it; it outlives the node (stop it by PID).
                ctx.EnvironmentVariables["ERL_EPMD_PORT"] = epmd.Property(EndpointProperty.TargetPort);
                ctx.EnvironmentVariables["ERL_EPMD_ADDRESS"] = "127.0.0.1";
                ctx.EnvironmentVariables["RABBITMQ_MNESIA_BASE"] = Path.Combine(data, "mnesia");
                ctx.EnvironmentVariables["RABBITMQ_LOG_BASE"] = Path.Combine(data, "log");
                ctx.EnvironmentVariables["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(data, "enabled_plugins");
                ctx.EnvironmentVariables["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(data, "rabbitmq-env.conf");
            })
            .WithHealthCheck(healthKey);
    }
}
