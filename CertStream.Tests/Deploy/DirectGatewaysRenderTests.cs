using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Deploy;

/// <summary>
/// deploy/render.sh with CERTSTREAM_DIRECT_GATEWAYS=true (over the checked-in aspirate output): the
/// high-volume layout adds a LoadBalancer Service that reaches the gateway pods directly, without
/// session affinity and keeping the client's address; it combines with the feed component, and
/// without the switch nothing changes.
/// </summary>
public sealed class DirectGatewaysRenderTests
{
    [Fact]
    public void Direct_layout_exposes_the_gateway_pods_on_a_LoadBalancer_Service()
    {
        SkipWithoutKubectl();
        var rendered = Render(direct: true, feed: false);

        var service = rendered.Get("Service", "gateway-public")["spec"]!;
        Assert.Equal("LoadBalancer", (string?)service["type"]);
        Assert.Equal("Local", (string?)service["externalTrafficPolicy"]); // per-IP limits see the client
        Assert.Equal("None", (string?)service["sessionAffinity"]); // gateways are stateless
        var port = Assert.Single(service["ports"]!.AsArray())!;
        Assert.Equal("80", port["port"]!.ToString());

        // The selector picks the gateway pods, and only them; the target port is a port of their container.
        var selector = service["selector"]!.AsObject();
        foreach (var workload in rendered.OfKind("Deployment").Concat(rendered.OfKind("StatefulSet")))
        {
            var labels = workload["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
            var selected = selector.All(s => (string?)labels[s.Key] == (string?)s.Value);
            Assert.Equal((string?)workload["metadata"]!["name"] == "gateway", selected);
        }

        var gatewayPorts = RenderedObjects.Container(rendered.Get("Deployment", "gateway"), "gateway")["ports"]!.AsArray();
        Assert.Contains(gatewayPorts, p => (string?)p!["name"] == (string?)port["targetPort"]);

        // The proxy path stays as it was, for the HTTP side and for clients that only reach the Ingress.
        Assert.NotNull(rendered.Get("Ingress", "proxy"));
        Assert.NotNull(rendered.Get("Deployment", "proxy"));
    }

    [Fact]
    public void Direct_layout_combines_with_the_feed()
    {
        SkipWithoutKubectl();
        var rendered = Render(direct: true, feed: true);

        Assert.NotNull(rendered.Get("Service", "gateway-public"));
        Assert.NotNull(rendered.Get("StatefulSet", "rabbitmq"));
    }

    [Fact]
    public void Without_the_switch_there_is_no_public_gateway_Service()
    {
        SkipWithoutKubectl();
        var rendered = Render(direct: false, feed: false);

        Assert.DoesNotContain(rendered.OfKind("Service"), s => (string?)s["metadata"]!["name"] == "gateway-public");
    }

    private static RenderedObjects Render(bool direct, bool feed)
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory("certstream-render-direct-").FullName, "rendered.yaml");
        var environment = new Dictionary<string, string?>
        {
            ["CERTSTREAM_ASPIRATE_OUTPUT"] = RenderedObjects.SampleAspirateOutput,
            ["CERTSTREAM_IMAGE_REGISTRY"] = "registry.example.com/certstream",
            ["CERTSTREAM_IMAGE_TAG"] = "test-1",
            ["REDIS_PASSWORD"] = "redis-pw-1",
            ["AUTH_TOKENS"] = null,
            ["CERTSTREAM_NAMESPACE"] = null,
            ["CERTSTREAM_DIRECT_GATEWAYS"] = direct ? "true" : null,
            ["CERTSTREAM_FEED_ENABLED"] = feed ? "true" : null,
            ["RABBITMQ_PASSWORD"] = feed ? "rabbit-pw-1" : null,
        };
        var (exit, _, error) = RenderedObjects.Run("bash", [Path.Combine(RepositoryRoot.Path, "deploy", "render.sh"), output], null, environment);
        Assert.True(exit == 0, error);
        return RenderedObjects.Parse(File.ReadAllText(output));
    }

    private static void SkipWithoutKubectl()
    {
        var reason = RenderedObjects.KubectlMissing();
        Assert.SkipWhen(reason is not null, reason ?? "");
    }
}
