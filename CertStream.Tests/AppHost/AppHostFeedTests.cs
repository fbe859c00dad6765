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

    private static async Task<IReadOnlyList<IResource>> ModelAsync(string[] args)
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.CertStream_AppHost>(
            [.. args, "ASPIRE_VERSION_CHECK_DISABLED=true"], ct);
        await using var app = await builder.BuildAsync(ct);
        return [.. app.Services.GetRequiredService<DistributedApplicationModel>().Resources];
    }
}
