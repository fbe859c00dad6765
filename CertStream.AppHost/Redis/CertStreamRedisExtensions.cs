using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CertStream.AppHost.Redis;

/// <summary>
/// Chooses the Redis for the run and says which: <c>CertStream:RedisMode</c> = auto (default) |
/// container | local | garnet | external. Auto takes a container when a runtime answers, else
/// redis-server from PATH, else the embedded Garnet host. External uses
/// <c>ConnectionStrings:redis</c>. In publish mode Redis is always the container resource: an
/// executable on the build machine means nothing to a cluster.
/// </summary>
public static class CertStreamRedisExtensions
{
    public static IResourceBuilder<IResourceWithConnectionString> AddCertStreamRedis(this IDistributedApplicationBuilder builder, string name)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddRedisContainerForPublish(name);
        }

        var mode = (builder.Configuration["CertStream:RedisMode"] ?? "auto").Trim().ToLowerInvariant();
        var redisServer = builder.Configuration["CertStream:RedisServerPath"] ?? FindOnPath("redis-server");
        if (mode == "auto")
        {
            mode = builder.Configuration.GetConnectionString(name) is { Length: > 0 } ? "external"
                : ContainerRuntime.IsAvailable() ? "container"
                : redisServer is not null ? "local"
                : "garnet";
        }

        Console.WriteLine($"CertStream: Redis mode '{mode}'" + (mode == "local" ? $" ({redisServer})" : ""));
        return mode switch
        {
            "container" => builder.AddRedis(name),
            "external" => builder.AddConnectionString(name),
            "local" => builder.AddLocalRedis(name, redisServer ?? throw new InvalidOperationException(
                "CertStream:RedisMode=local but redis-server was not found on PATH (set CertStream:RedisServerPath)."),
                port => ["--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"]),
            "garnet" => builder.AddLocalRedis(name, "dotnet",
                port => ["run", "--project", new Projects.CertStream_DevRedis().ProjectPath, "--no-build", "--no-launch-profile",
                    "-c", BuildConfiguration, "--", "--port", port]),
            _ => throw new InvalidOperationException(
                $"CertStream:RedisMode: '{mode}' is not one of auto, container, local, garnet, external."),
        };
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddRedisContainerForPublish(this IDistributedApplicationBuilder builder, string name)
    {
        var password = builder.AddParameter($"{name}-password", secret: true)
            .WithDescription("Password of the Redis that holds the bus, the cursors and the leases.");
        return builder.AddResource(new RedisContainerResource(name, password.Resource))
            .WithImage("library/redis", "7.4")
            .WithImageRegistry("docker.io")
            .WithEndpoint(targetPort: 6379, name: RedisContainerResource.EndpointName, scheme: "tcp")
            .WithEnvironment("REDIS_PASSWORD", password)
            // Kubernetes expands $(VAR) in args, so the password never appears in the manifest.
            // No other args: aspirate writes them unquoted, so numbers and yes/no would change type.
            // The image's default snapshots keep cursors across a Redis restart.
            .WithArgs("--requirepass", "$(REDIS_PASSWORD)");
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddLocalRedis(this IDistributedApplicationBuilder builder,
        string name, string command, Func<object, object[]> args)
    {
        var resource = new LocalRedisResource(name, command, builder.AppHostDirectory);
        var healthKey = $"{name}_ping";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthKey, async ct =>
        {
            var hostAndPort = await resource.ConnectionStringExpression.GetValueAsync(ct);
            return hostAndPort is not null && await RedisPing.PingAsync(hostAndPort, ct)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("no PONG");
        });

        var port = builder.Configuration.GetValue<int?>("CertStream:RedisPort"); // null: DCP picks a free one
        return builder.AddResource(resource)
            .WithEndpoint(LocalRedisResource.EndpointName, e =>
            {
                e.UriScheme = "tcp";
                e.Port = port;
                e.TargetPort = port;
                e.IsProxied = false;
            }, createIfNotExists: true)
            .WithArgs(ctx =>
            {
                foreach (var arg in args(resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort)))
                {
                    ctx.Args.Add(arg);
                }
            })
            .WithHealthCheck(healthKey);
    }

    private static string? FindOnPath(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, program);
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif
}
