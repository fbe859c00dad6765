namespace CertStream.AppHost;

/// <summary>
/// The CertStream services. In run mode each replica is its own resource (ingestor-1, gateway-1 …)
/// so that the proxy sees every gateway as a destination of its own (least-requests balancing and
/// active health checks need that; Aspire's WithReplicas would hide them behind one DCP proxy).
/// In publish mode there is one resource per service; replicas are set in Kubernetes
/// (deploy/kustomize), since aspirate always writes one.
/// Every project is added without Aspire's ASPNETCORE_FORWARDEDHEADERS_ENABLED=true: that trusts
/// X-Forwarded-For from any peer, so a client could pick its own IP and escape the per-IP limits.
/// The gateway believes the header only from <c>trusted_proxies</c>.
/// </summary>
internal static class CertStreamResources
{
    // The OTLP exporter's default 10 s timeout otherwise delays every stop (docs/engineering.md §3).
    private const string OtlpTimeoutMs = "1000";

    public static IReadOnlyList<IResourceBuilder<ProjectResource>> AddIngestors(this IDistributedApplicationBuilder builder,
        IResourceBuilder<IResourceWithConnectionString> redis, CertStreamSettings settings)
    {
        IResourceBuilder<ProjectResource>? simulator = null;
        if (settings.Demo && builder.ExecutionContext.IsRunMode)
        {
            // Offline demo: a simulated CT log that serves real recorded entries and grows.
            simulator = builder.AddProject<Projects.CertStream_CtLogSimulator>("ct-simulator")
                .WithHttpHealthCheck("/health");
        }

        var ingestors = new List<IResourceBuilder<ProjectResource>>();
        foreach (var name in Names(builder, "ingestor", settings.IngestorReplicas))
        {
            var ingestor = builder.AddCertStreamProject<Projects.CertStream_Ingestor>(name)
                .WithReference(redis).WaitFor(redis)
                .WithEnvironment("OTEL_EXPORTER_OTLP_TIMEOUT", OtlpTimeoutMs)
                .WithHttpHealthCheck("/health");
            if (simulator is not null)
            {
                ingestor.WithEnvironment("CERTSTREAM_CT_LOGS_URL",
                        ReferenceExpression.Create($"{simulator.GetEndpoint("http")}/log_list.json"))
                    .WaitFor(simulator);
            }
            else
            {
                ingestor.WithEnvironment("CERTSTREAM_CT_LOGS_URL", settings.CtLogsUrl);
            }

            ingestors.Add(ingestor);
        }

        return ingestors;
    }

    public static IReadOnlyList<IResourceBuilder<ProjectResource>> AddGateways(this IDistributedApplicationBuilder builder,
        IResourceBuilder<IResourceWithConnectionString> redis, CertStreamSettings settings)
    {
        var gateways = new List<IResourceBuilder<ProjectResource>>();
        foreach (var name in Names(builder, "gateway", settings.GatewayReplicas))
        {
            var gateway = builder.AddCertStreamProject<Projects.CertStream_Gateway>(name)
                .WithReference(redis).WaitFor(redis)
                // Raw TCP cannot go through YARP: each gateway exposes its own port.
                .WithEndpoint(name: "tcp", scheme: "tcp", env: "protocols__tcp_port", isProxied: false)
                .WithEnvironment("CERTSTREAM_TCP_ENABLED", "true")
                .WithEnvironment("CERTSTREAM_SSE_ENABLED", "true")
                .WithEnvironment("CERTSTREAM_AUTH_ENABLED", settings.AuthEnabled)
                .WithEnvironment("CERTSTREAM_AUTH_TOKENS", settings.AuthTokens)
                .WithEnvironment("OTEL_EXPORTER_OTLP_TIMEOUT", OtlpTimeoutMs)
                .WithHttpHealthCheck("/health");
            if (builder.ExecutionContext.IsRunMode)
            {
                // The YARP proxy in front runs on loopback: its X-Forwarded-For names the client.
                // Published, the proxy's address depends on the cluster: deploy/kustomize sets it.
                gateway.WithEnvironment("CERTSTREAM_TRUSTED_PROXIES", "127.0.0.1,::1");
            }

            gateways.Add(gateway);
        }

        return gateways;
    }

    public static IResourceBuilder<ProjectResource> AddProxy(this IDistributedApplicationBuilder builder,
        IReadOnlyList<IResourceBuilder<ProjectResource>> gateways, CertStreamSettings settings)
    {
        var proxy = builder.AddCertStreamProject<Projects.CertStream_Proxy>("proxy")
            .WithExternalHttpEndpoints()
            .WithEnvironment("OTEL_EXPORTER_OTLP_TIMEOUT", OtlpTimeoutMs)
            .WithHttpHealthCheck("/health");
        for (var i = 0; i < gateways.Count; i++)
        {
            proxy.WithReference(gateways[i]).WaitFor(gateways[i])
                .WithEnvironment($"Proxy__Gateways__{i}", gateways[i].Resource.Name);
        }

        builder.Eventing.Subscribe<ResourceReadyEvent>(proxy.Resource, (_, _) =>
        {
            var url = proxy.GetEndpoint("http").Url;
            var ws = url.Replace("http://", "ws://", StringComparison.Ordinal).Replace("https://", "wss://", StringComparison.Ordinal);
            Console.WriteLine($"CertStream: streams at {ws}/ (lite), {ws}/full-stream, {ws}/domains-only, {url}/sse?stream=lite" +
                (settings.Demo ? " (demo: simulated CT logs)" : ""));
            return Task.CompletedTask;
        });
        return proxy;
    }

    private static IResourceBuilder<ProjectResource> AddCertStreamProject<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new()
    {
        var project = builder.AddProject<TProject>(name).DisableForwardedHeaders();
        if (builder.ExecutionContext.IsPublishMode)
        {
            // Nothing serves TLS in the pods (it ends at the Ingress or, for raw TCP, in the
            // gateway's own tls_cert): an https binding would only become a dead 8443 port.
            foreach (var https in project.Resource.Annotations.OfType<EndpointAnnotation>().Where(e => e.UriScheme == "https").ToList())
            {
                project.Resource.Annotations.Remove(https);
            }
        }

        return project;
    }

    private static IEnumerable<string> Names(IDistributedApplicationBuilder builder, string service, int replicas)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            yield return service;
            yield break;
        }

        for (var i = 1; i <= replicas; i++)
        {
            yield return $"{service}-{i}";
        }
    }
}
