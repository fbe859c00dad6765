using System.Text.Json.Nodes;
using CertStream.Gateway.Options;

namespace CertStream.Tests.Deploy;

/// <summary>Renders deploy/kustomize once over the checked-in aspirate output (TestData/Deploy).</summary>
public sealed class OverlayFixture
{
    private readonly Lazy<RenderedObjects> _rendered = new(RenderedObjects.RenderOverlay);

    public string? SkipReason { get; } = RenderedObjects.KubectlMissing();

    public RenderedObjects Rendered => _rendered.Value;
}

/// <summary>
/// deploy/kustomize over real aspirate output: every item aspirate gets wrong is corrected
/// (secrets, probes, resources, rollouts, Redis persistence, exposure, per-pod balancing,
/// forwarded-header trust, shutdown timing, dead ports).
/// </summary>
public sealed class KustomizeOverlayTests(OverlayFixture fixture) : IClassFixture<OverlayFixture>
{
    private static readonly string[] Services = ["gateway", "ingestor", "proxy"];
    private static readonly string[] SecretKeys = ["REDIS_PASSWORD", "CERTSTREAM_AUTH_TOKENS", "ConnectionStrings__redis"];

    private RenderedObjects Rendered
    {
        get
        {
            Assert.SkipWhen(fixture.SkipReason is not null, fixture.SkipReason ?? "");
            return fixture.Rendered;
        }
    }

    [Fact]
    public void NoConfigMapHoldsASecretOrTrustsForwardedHeadersFromEveryone()
    {
        var configMaps = Rendered.OfKind("ConfigMap").ToList();

        Assert.Equal(["gateway-env", "ingestor-env", "proxy-env", "redis-env"], configMaps.Select(c => (string)c["metadata"]!["name"]!).Order());
        foreach (var configMap in configMaps)
        {
            var data = configMap["data"]?.AsObject() ?? [];
            Assert.DoesNotContain(data, e => SecretKeys.Contains(e.Key) || e.Key == "ASPNETCORE_FORWARDEDHEADERS_ENABLED");
            Assert.DoesNotContain(data, e => ((string?)e.Value ?? "").Contains("password=", StringComparison.OrdinalIgnoreCase));
        }

        Assert.DoesNotContain(RenderedObjects.SecretPlaceholder, Rendered.Yaml);
    }

    [Fact]
    public void PasswordAndTokensComeFromTheSecret()
    {
        foreach (var service in new[] { "gateway", "ingestor" })
        {
            var env = Env(Rendered.Get("Deployment", service), service);
            AssertFromSecret(env, "REDIS_PASSWORD");
            var connection = (string)env.Single(e => (string?)e["name"] == "ConnectionStrings__redis")["value"]!;
            Assert.Equal("redis:6379,password=$(REDIS_PASSWORD)", connection);
            // $(VAR) expands only from variables defined before it.
            Assert.True(env.FindIndex(e => (string?)e["name"] == "REDIS_PASSWORD") < env.FindIndex(e => (string?)e["name"] == "ConnectionStrings__redis"));
        }

        AssertFromSecret(Env(Rendered.Get("Deployment", "gateway"), "gateway"), "CERTSTREAM_AUTH_TOKENS");
        AssertFromSecret(Env(Rendered.Get("StatefulSet", "redis"), "redis"), "REDIS_PASSWORD");
        var redisService = Rendered.Get("Service", "redis");
        Assert.Contains(redisService["spec"]!["ports"]!.AsArray(), p => (int?)Number(p!["port"]) == 6379);
    }

    [Fact]
    public void EveryServiceHasProbesResourcesAndRollingUpdates()
    {
        foreach (var service in Services)
        {
            var deployment = Rendered.Get("Deployment", service);
            var container = RenderedObjects.Container(deployment, service);
            Assert.Equal("/health", (string?)container["readinessProbe"]!["httpGet"]!["path"]);
            Assert.Equal("/alive", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
            Assert.Equal("http", (string?)container["readinessProbe"]!["httpGet"]!["port"]);
            foreach (var bound in new[] { "requests", "limits" })
            {
                Assert.NotNull(container["resources"]![bound]!["cpu"]);
                Assert.NotNull(container["resources"]![bound]!["memory"]);
            }

            Assert.Equal("RollingUpdate", (string?)deployment["spec"]!["strategy"]!["type"]);
            Assert.Equal(0, Number(deployment["spec"]!["strategy"]!["rollingUpdate"]!["maxUnavailable"]));
            Assert.True(Number(deployment["spec"]!["minReadySeconds"]) < 60, service); // aspirate's 60 s made every rollout crawl
        }

        Assert.True(Number(Rendered.Get("Deployment", "gateway")["spec"]!["replicas"]) >= 2);
    }

    [Fact]
    public void GracePeriodsFitThePreStopDelayAndTheHostsShutdownTimeout()
    {
        const int HostShutdownTimeoutSeconds = 30; // .NET's HostOptions.ShutdownTimeout default
        foreach (var service in Services)
        {
            var deployment = Rendered.Get("Deployment", service);
            var preStop = Number(RenderedObjects.Container(deployment, service)["lifecycle"]?["preStop"]?["sleep"]?["seconds"]) ?? 0;
            var grace = Number(deployment["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"]);
            Assert.True(grace > preStop + HostShutdownTimeoutSeconds, $"{service}: grace {grace} s, preStop {preStop} s");
        }

        // A gateway must stay until the proxies stop sending it clients: DNS refresh plus one health check.
        var proxyEnv = Rendered.Get("ConfigMap", "proxy-env")["data"]!;
        var gatewayPreStop = Number(RenderedObjects.Container(Rendered.Get("Deployment", "gateway"), "gateway")["lifecycle"]!["preStop"]!["sleep"]!["seconds"]);
        Assert.True(gatewayPreStop >= int.Parse((string)proxyEnv["Proxy__DnsRefreshSeconds"]!) + 5);
    }

    [Fact]
    public void RedisIsAStatefulSetWithAppendOnlyPersistenceOnAVolume()
    {
        Assert.DoesNotContain(Rendered.OfKind("Deployment"), d => (string?)d["metadata"]!["name"] == "redis");
        var redis = Rendered.Get("StatefulSet", "redis");
        var container = RenderedObjects.Container(redis, "redis");
        var args = container["args"]!.AsArray().Select(a => (string)a!).ToList();
        Assert.Equal("yes", args[args.IndexOf("--appendonly") + 1]);
        Assert.Equal("/data", args[args.IndexOf("--dir") + 1]);
        Assert.Equal("$(REDIS_PASSWORD)", args[args.IndexOf("--requirepass") + 1]);
        var claim = Assert.Single(redis["spec"]!["volumeClaimTemplates"]!.AsArray())!;
        Assert.Contains(container["volumeMounts"]!.AsArray(), m => (string?)m!["name"] == (string?)claim["metadata"]!["name"] && (string?)m["mountPath"] == "/data");
        Assert.NotNull(container["readinessProbe"]);
        Assert.NotNull(container["livenessProbe"]);

        // Same image as the AppHost publishes (the sample's Deployment, which the overlay replaces).
        var sample = File.ReadAllText(Path.Combine(RenderedObjects.SampleAspirateOutput, "redis", "deployment.yaml"));
        Assert.Contains($"image: {(string)container["image"]!}", sample);
    }

    [Fact]
    public void NoPortIsDeclaredWhereNothingListens()
    {
        Assert.DoesNotContain("8443", Rendered.Yaml);
        foreach (var service in Rendered.OfKind("Service"))
        {
            foreach (var port in service["spec"]!["ports"]!.AsArray())
            {
                Assert.NotEqual("https", (string?)port!["name"]);
            }
        }
    }

    [Fact]
    public void TheProxyIsExposedAndBalancesOverEveryGatewayPod()
    {
        var ingress = Rendered.Get("Ingress", "proxy");
        var backend = ingress["spec"]!["rules"]![0]!["http"]!["paths"]![0]!["backend"]!["service"]!;
        Assert.Equal("proxy", (string?)backend["name"]);
        Assert.Contains(RenderedObjects.Container(Rendered.Get("Deployment", "proxy"), "proxy")["ports"]!.AsArray(),
            p => (string?)p!["name"] == (string?)backend["port"]!["name"]);
        var annotations = ingress["metadata"]!["annotations"]!;
        Assert.True(int.Parse((string)annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]!) >= 3600);
        Assert.Equal("off", (string?)annotations["nginx.ingress.kubernetes.io/proxy-buffering"]);

        var headless = Rendered.Get("Service", "gateway-pods")["spec"]!;
        Assert.Equal("None", (string?)headless["clusterIP"]);
        Assert.Equal("gateway", (string?)headless["selector"]!["app"]);
        var proxyEnv = Rendered.Get("ConfigMap", "proxy-env")["data"]!;
        Assert.Equal("Dns", (string?)proxyEnv["Proxy__Discovery"]);
        Assert.Equal("Append", (string?)proxyEnv["Proxy__ForwardedFor"]);
        var gateways = new Uri((string)proxyEnv["Proxy__Gateways__0"]!);
        Assert.Equal("gateway-pods", gateways.Host);
        Assert.Equal(Number(headless["ports"]![0]!["port"]), gateways.Port);
        Assert.Null(proxyEnv["Proxy__Gateways__1"]);
    }

    [Fact]
    public void GatewaysKeepTheirRawTcpLoadBalancerAndTheirDisruptionBudget()
    {
        var tcp = Rendered.Get("Service", "gateway-tcp")["spec"]!;
        Assert.Equal("LoadBalancer", (string?)tcp["type"]);
        Assert.Equal("Local", (string?)tcp["externalTrafficPolicy"]); // the client's address, for per-IP limits
        Assert.Contains(RenderedObjects.Container(Rendered.Get("Deployment", "gateway"), "gateway")["ports"]!.AsArray(),
            p => (string?)p!["name"] == (string?)tcp["ports"]![0]!["targetPort"]);

        var budget = Rendered.Get("PodDisruptionBudget", "gateway")["spec"]!;
        Assert.Equal("gateway", (string?)budget["selector"]!["matchLabels"]!["app"]);
        Assert.Equal(1, Number(budget["maxUnavailable"]));
    }

    [Fact]
    public void GatewaysTrustForwardedHeadersFromTheConfiguredNetworkOnly()
    {
        var trusted = (string)Rendered.Get("ConfigMap", "gateway-env")["data"]!["CERTSTREAM_TRUSTED_PROXIES"]!;
        var entries = trusted.Split(',');

        Assert.All(entries, e => Assert.True(ClientAddressOptions.TryParse(e, out var network) && network.PrefixLength < 32, e));
        Assert.DoesNotContain(entries, e => e.StartsWith("127.", StringComparison.Ordinal) || e == "::1");
    }

    private static List<JsonObject> Env(JsonObject workload, string container) =>
        [.. RenderedObjects.Container(workload, container)["env"]!.AsArray().Select(e => e!.AsObject())];

    private static void AssertFromSecret(List<JsonObject> env, string name)
    {
        var reference = env.Single(e => (string?)e["name"] == name)["valueFrom"]!["secretKeyRef"]!;
        Assert.Equal("certstream-secrets", (string?)reference["name"]);
        Assert.Equal(name, (string?)reference["key"]);
    }

    // YAML scalars come back as strings.
    private static int? Number(JsonNode? node) => node is null ? null : int.Parse(node.ToString());
}
