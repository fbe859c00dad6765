using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using CertStream.AppHost.RabbitMq;
using Microsoft.Extensions.DependencyInjection;

namespace CertStream.Tests.AppHost;

/// <summary>The durable feed's RabbitMQ is in the model only when the feed is switched on, and every ingestor references it.</summary>
public sealed class AppHostFeedTests
{
    [Fact]
    public async Task Feed_off_by_default_no_RabbitMQ()
    {
        var resources = await ModelAsync([]);
        Assert.DoesNotContain(resources, r => r.Name == "rabbitmq");
    }

    [Theory]
    [InlineData("CertStream:Feed=true")]
    [InlineData("CERTSTREAM_FEED_ENABLED=true")]
    public async Task Feed_on_adds_a_local_rabbitmq_server_without_a_container_runtime_and_the_ingestors_reference_it(string setting)
    {
        // /bin/sh stands in for the server script: the model is only built, never started.
        var resources = await ModelAsync([setting, "CertStream:RabbitMqMode=local", "CertStream:RabbitMqServerPath=/bin/sh"]);

        var rabbit = Assert.IsType<LocalRabbitMqResource>(Assert.Single(resources, r => r.Name == "rabbitmq"));
        Assert.Equal(["amqp", "dist", "epmd"], rabbit.Annotations.OfType<EndpointAnnotation>().Select(e => e.Name).Order());
        var ingestors = resources.OfType<ProjectResource>().Where(r => r.Name.StartsWith("ingestor", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(ingestors);
        Assert.All(ingestors, i => Assert.Contains(i.Annotations.OfType<ResourceRelationshipAnnotation>(), a => a.Resource == rabbit));
        Assert.DoesNotContain(resources.OfType<ProjectResource>().Where(r => r.Name.StartsWith("gateway", StringComparison.Ordinal)),
            g => g.Annotations.OfType<ResourceRelationshipAnnotation>().Any(a => a.Resource == rabbit));
    }

    [Fact]
    public async Task A_feed_switch_that_is_not_a_boolean_stops_the_model_naming_it()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ModelAsync(["CertStream:Feed=maybe"]));
        Assert.Contains("CertStream:Feed: 'maybe' must be true or false", error.ToString());
    }

    /// <summary>
    /// Run mode without a container runtime: the AppHost starts Debian's rabbitmq-server itself, and the
    /// demo's ingestor publishes certificates that RabbitMQ confirms.
    /// </summary>
    [Fact]
    public async Task Feed_on_the_AppHost_runs_rabbitmq_server_and_the_ingestor_gets_confirms()
    {
        Assert.SkipWhen(Infrastructure.RabbitMqTestServer.MissingReason is not null, Infrastructure.RabbitMqTestServer.MissingReason ?? "");
        var ct = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.CertStream_AppHost>(
            ["CertStream:Demo=true", "CertStream:Feed=true", "CertStream:RabbitMqMode=local", "Parameters:ingestor-replicas=1",
             "Parameters:gateway-replicas=1", "ASPIRE_VERSION_CHECK_DISABLED=true"], ct);
        await using var app = await builder.BuildAsync(ct).WaitAsync(TimeSpan.FromMinutes(1), ct);
        await app.StartAsync(ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
        var epmdPort = app.GetEndpoint("rabbitmq", LocalRabbitMqResource.EpmdEndpointName).Port;
        try
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync("rabbitmq", ct).WaitAsync(TimeSpan.FromMinutes(4), ct);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("ingestor-1", ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
            using var http = app.CreateHttpClient("ingestor-1", "http");
            await Infrastructure.Eventually.TrueAsync(async () =>
                (SystemTests.Support.PrometheusText.Sum(await http.GetStringAsync("/metrics", ct), "certstream_ingestor_feed_confirmed_total") ?? 0) > 0,
                TimeSpan.FromMinutes(3), "the ingestor's feed gets confirms from the AppHost's rabbitmq-server", ct);
        }
        finally
        {
            await app.StopAsync(ct).WaitAsync(TimeSpan.FromMinutes(1), ct);
            StopEpmd(epmdPort);
        }
    }

    /// <summary>The node started its own epmd on the AppHost's port for it, which outlives the node: stopped here by PID.</summary>
    private static void StopEpmd(int port)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() == "epmd"
                    && File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains($"ERL_EPMD_PORT={port}"))
                {
                    using var process = System.Diagnostics.Process.GetProcessById(int.Parse(Path.GetFileName(dir)));
                    process.Kill();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }
    }

    private static async Task<IReadOnlyList<IResource>> ModelAsync(string[] args)
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.CertStream_AppHost>(
            [.. args, "ASPIRE_VERSION_CHECK_DISABLED=true"], ct);
        await using var app = await builder.BuildAsync(ct);
        return [.. app.Services.GetRequiredService<DistributedApplicationModel>().Resources];
    }
}
