using System.Text;
using System.Text.Json.Nodes;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Deploy;

/// <summary>
/// deploy/render.sh with CERTSTREAM_FEED_ENABLED=true (over the checked-in aspirate output): RabbitMQ
/// is a StatefulSet with a volume and a Service, the ingestors get the connection string, and the
/// password is in the Secret only. Without the switch nothing of RabbitMQ is rendered.
/// </summary>
public sealed class FeedRenderTests
{
    private const string RabbitPassword = "rabbit-pw-5e8a1f";

    [Fact]
    public void Feed_on_renders_RabbitMQ_and_the_ingestors_connection_string_with_the_password_in_the_Secret_only()
    {
        SkipWithoutKubectl();
        var output = Path.Combine(Directory.CreateTempSubdirectory("certstream-render-feed-").FullName, "rendered.yaml");
        var (exit, _, error) = Render(output, feed: true, RabbitPassword);
        Assert.True(exit == 0, error);

        var rendered = RenderedObjects.Parse(File.ReadAllText(output));
        var secret = Assert.Single(rendered.OfKind("Secret"));
        var secretName = (string)secret["metadata"]!["name"]!;
        Assert.Equal(RabbitPassword, Encoding.UTF8.GetString(Convert.FromBase64String((string)secret["data"]!["RABBITMQ_PASSWORD"]!)));
        Assert.DoesNotContain(RabbitPassword, rendered.Yaml);

        var rabbit = rendered.Get("StatefulSet", "rabbitmq");
        var container = RenderedObjects.Container(rabbit, "rabbitmq");
        Assert.StartsWith("docker.io/library/rabbitmq:", (string?)container["image"]);
        Assert.Equal(secretName, (string?)Env(container, "RABBITMQ_DEFAULT_PASS")["valueFrom"]!["secretKeyRef"]!["name"]);
        Assert.NotNull(rabbit["spec"]!["volumeClaimTemplates"]);
        Assert.Equal("5672", rendered.Get("Service", "rabbitmq")["spec"]!["ports"]![0]!["port"]!.ToString());

        var ingestor = RenderedObjects.Container(rendered.Get("Deployment", "ingestor"), "ingestor");
        var env = ingestor["env"]!.AsArray().Select(e => (string)e!["name"]!).ToList();
        // $(RABBITMQ_PASSWORD) expands only from a variable defined before it.
        Assert.True(env.IndexOf("RABBITMQ_PASSWORD") is >= 0 and var p && p < env.IndexOf("ConnectionStrings__rabbitmq"), string.Join(", ", env));
        Assert.Equal("amqp://certstream:$(RABBITMQ_PASSWORD)@rabbitmq:5672/", (string?)Env(ingestor, "ConnectionStrings__rabbitmq")["value"]);
        Assert.DoesNotContain(rendered.OfKind("Deployment").Where(d => (string?)d["metadata"]!["name"] != "ingestor"),
            d => d.ToJsonString().Contains("rabbitmq", StringComparison.Ordinal));
    }

    [Fact]
    public void Feed_off_renders_nothing_of_RabbitMQ()
    {
        SkipWithoutKubectl();
        var output = Path.Combine(Directory.CreateTempSubdirectory("certstream-render-feed-").FullName, "rendered.yaml");
        var (exit, _, error) = Render(output, feed: false, RabbitPassword);
        Assert.True(exit == 0, error);
        var yaml = File.ReadAllText(output);
        Assert.DoesNotContain("rabbitmq", yaml, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Feed_on_without_a_password_stops_naming_it()
    {
        SkipWithoutKubectl();
        var output = Path.Combine(Directory.CreateTempSubdirectory("certstream-render-feed-").FullName, "rendered.yaml");
        var (exit, _, error) = Render(output, feed: true, rabbitPassword: null);
        Assert.NotEqual(0, exit);
        Assert.Contains("RABBITMQ_PASSWORD is required", error);
        Assert.False(File.Exists(output));
    }

    private static JsonNode Env(JsonObject container, string name) =>
        container["env"]!.AsArray().Single(e => (string?)e!["name"] == name)!;

    private static (int Exit, string Output, string Error) Render(string output, bool feed, string? rabbitPassword)
    {
        var environment = new Dictionary<string, string?>
        {
            ["CERTSTREAM_ASPIRATE_OUTPUT"] = RenderedObjects.SampleAspirateOutput,
            ["CERTSTREAM_IMAGE_REGISTRY"] = "registry.example.com/certstream",
            ["CERTSTREAM_IMAGE_TAG"] = "test-1",
            ["REDIS_PASSWORD"] = "redis-pw-1",
            ["AUTH_TOKENS"] = null,
            ["CERTSTREAM_NAMESPACE"] = null,
            ["CERTSTREAM_FEED_ENABLED"] = feed ? "true" : null,
            ["RABBITMQ_PASSWORD"] = rabbitPassword,
        };
        return RenderedObjects.Run("bash", [Path.Combine(RepositoryRoot.Path, "deploy", "render.sh"), output], null, environment);
    }

    private static void SkipWithoutKubectl()
    {
        var reason = RenderedObjects.KubectlMissing();
        Assert.SkipWhen(reason is not null, reason ?? "");
    }
}
