using System.Text;
using System.Text.Json.Nodes;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Deploy;

/// <summary>
/// deploy/render.sh's last layer, over the checked-in aspirate output (CERTSTREAM_ASPIRATE_OUTPUT
/// skips the AppHost and aspirate): the password and tokens are in the Secret and nowhere else,
/// the images and settings are the ones asked for, and a missing password stops it.
/// </summary>
public sealed class RenderScriptTests
{
    private const string Password = "redis-pw-7d41c0";
    private const string Tokens = "tok-a1,tok-b2";

    [Fact]
    public void SecretsLandInTheSecretOnlyAndSettingsWhereAsked()
    {
        SkipWithoutKubectl();
        var output = Path.Combine(Directory.CreateTempSubdirectory("certstream-render-").FullName, "rendered.yaml");
        var (exit, _, error) = Render(output, new()
        {
            ["CERTSTREAM_TRUSTED_PROXY_CIDR"] = "10.244.0.0/16,fd00:10:244::/56",
            ["CERTSTREAM_INGRESS_HOST"] = "certstream.example.com",
            ["CERTSTREAM_INGRESS_TLS_SECRET"] = "certstream-tls",
            ["CERTSTREAM_PROXY_SERVICE_TYPE"] = "LoadBalancer",
            ["CERTSTREAM_GATEWAY_REPLICAS"] = "4",
        });
        Assert.True(exit == 0, error);

        var rendered = RenderedObjects.Parse(File.ReadAllText(output));
        var secret = Assert.Single(rendered.OfKind("Secret"));
        var secretName = (string)secret["metadata"]!["name"]!;
        Assert.StartsWith("certstream-secrets-", secretName); // hashed: a new password rolls the pods
        Assert.Equal(Password, Decode(secret["data"]!["REDIS_PASSWORD"]));
        Assert.Equal(Tokens, Decode(secret["data"]!["CERTSTREAM_AUTH_TOKENS"]));
        Assert.DoesNotContain(Password, rendered.Yaml);
        Assert.DoesNotContain("tok-a1", rendered.Yaml);
        Assert.DoesNotContain(RenderedObjects.SecretPlaceholder, rendered.Yaml);
        foreach (var reference in SecretReferences(rendered))
        {
            Assert.Equal(secretName, reference);
        }

        var gateway = rendered.Get("Deployment", "gateway");
        Assert.Equal("registry.example.com/certstream/gateway:test-1", (string?)RenderedObjects.Container(gateway, "gateway")["image"]);
        Assert.Equal("4", gateway["spec"]!["replicas"]!.ToString());
        Assert.Equal("registry.example.com/certstream/proxy:test-1",
            (string?)RenderedObjects.Container(rendered.Get("Deployment", "proxy"), "proxy")["image"]);
        var gatewayEnv = rendered.Get("ConfigMap", "gateway-env")["data"]!;
        Assert.Equal("10.244.0.0/16,fd00:10:244::/56", (string?)gatewayEnv["CERTSTREAM_TRUSTED_PROXIES"]);
        Assert.Equal("true", (string?)gatewayEnv["CERTSTREAM_AUTH_ENABLED"]); // tokens given
        var ingress = rendered.Get("Ingress", "proxy")["spec"]!;
        Assert.Equal("certstream.example.com", (string?)ingress["rules"]![0]!["host"]);
        Assert.Equal("certstream-tls", (string?)ingress["tls"]![0]!["secretName"]);
        Assert.Equal("certstream.example.com", (string?)ingress["tls"]![0]!["hosts"]![0]);
        var proxyService = rendered.Get("Service", "proxy")["spec"]!;
        Assert.Equal("LoadBalancer", (string?)proxyService["type"]);
        Assert.Equal("Local", (string?)proxyService["externalTrafficPolicy"]);
    }

    [Fact]
    public void AChangedSettingRollsExactlyThePodsOfItsConfigMap()
    {
        SkipWithoutKubectl();
        var folder = Directory.CreateTempSubdirectory("certstream-render-").FullName;
        RenderedObjects RenderWith(string cidr)
        {
            var output = Path.Combine(folder, $"{Guid.NewGuid():N}.yaml");
            var (exit, _, error) = Render(output, new() { ["CERTSTREAM_TRUSTED_PROXY_CIDR"] = cidr });
            Assert.True(exit == 0, error);
            return RenderedObjects.Parse(File.ReadAllText(output));
        }

        var before = RenderWith("10.244.0.0/16");
        var again = RenderWith("10.244.0.0/16");
        var after = RenderWith("10.42.0.0/16");

        foreach (var deployment in new[] { "gateway", "ingestor", "proxy" })
        {
            Assert.NotNull(ConfigHash(before, deployment));
            Assert.Equal(ConfigHash(before, deployment), ConfigHash(again, deployment));
        }

        Assert.NotEqual(ConfigHash(before, "gateway"), ConfigHash(after, "gateway")); // CERTSTREAM_TRUSTED_PROXIES is the gateway's
        Assert.Equal(ConfigHash(before, "ingestor"), ConfigHash(after, "ingestor"));
        Assert.Equal(ConfigHash(before, "proxy"), ConfigHash(after, "proxy"));
    }

    [Theory]
    [InlineData("REDIS_PASSWORD", null)]
    [InlineData("REDIS_PASSWORD", "has,comma")]
    [InlineData("CERTSTREAM_TRUSTED_PROXY_CIDR", "10.0.0.0/8\n  evil: yes")]
    [InlineData("CERTSTREAM_IMAGE_REGISTRY", null)]
    public void AMissingOrUnsafeSettingStopsItNamingTheSetting(string name, string? value)
    {
        SkipWithoutKubectl();
        var output = Path.Combine(Directory.CreateTempSubdirectory("certstream-render-").FullName, "rendered.yaml");

        var (exit, _, error) = Render(output, new() { [name] = value });

        Assert.NotEqual(0, exit);
        Assert.Contains(name, error);
        Assert.False(File.Exists(output));
    }

    private static (int Exit, string Output, string Error) Render(string output, Dictionary<string, string?> settings)
    {
        var environment = new Dictionary<string, string?>
        {
            ["CERTSTREAM_ASPIRATE_OUTPUT"] = RenderedObjects.SampleAspirateOutput,
            ["CERTSTREAM_IMAGE_REGISTRY"] = "registry.example.com/certstream",
            ["CERTSTREAM_IMAGE_TAG"] = "test-1",
            ["REDIS_PASSWORD"] = Password,
            ["AUTH_TOKENS"] = Tokens,
        };
        foreach (var name in new[] { "CERTSTREAM_AUTH_ENABLED", "CERTSTREAM_TRUSTED_PROXY_CIDR", "CERTSTREAM_CT_LOGS_URL", "CERTSTREAM_NAMESPACE",
                     "CERTSTREAM_INGRESS_CLASS", "CERTSTREAM_INGRESS_HOST", "CERTSTREAM_INGRESS_TLS_SECRET", "CERTSTREAM_PROXY_SERVICE_TYPE", "CERTSTREAM_GATEWAY_REPLICAS",
                     "CERTSTREAM_INGESTOR_REPLICAS", "CERTSTREAM_PROXY_REPLICAS", "CERTSTREAM_FEED_ENABLED", "RABBITMQ_PASSWORD" })
        {
            environment[name] = null; // nothing from the machine running the tests
        }

        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return RenderedObjects.Run("bash", [Path.Combine(RepositoryRoot.Path, "deploy", "render.sh"), output], null, environment);
    }

    private static IEnumerable<string> SecretReferences(RenderedObjects rendered) =>
        rendered.All.SelectMany(o => Descendants(o))
            .Where(n => n is JsonObject { } obj && obj.ContainsKey("secretKeyRef"))
            .Select(n => (string)n!["secretKeyRef"]!["name"]!);

    private static IEnumerable<JsonNode?> Descendants(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => Descendants(p.Value)).Prepend(obj),
        JsonArray array => array.SelectMany(Descendants),
        _ => [],
    };

    private static string? ConfigHash(RenderedObjects rendered, string deployment) =>
        (string?)rendered.Get("Deployment", deployment)["spec"]!["template"]!["metadata"]!["annotations"]?["certstream.io/config-hash"];

    private static string Decode(JsonNode? base64) => Encoding.UTF8.GetString(Convert.FromBase64String((string)base64!));

    private static void SkipWithoutKubectl()
    {
        var reason = RenderedObjects.KubectlMissing();
        Assert.SkipWhen(reason is not null, reason ?? "");
    }
}
