using CertStream.Ingestor.Dedup;
using System.Net;
using CertStream.Ingestor.CatchUp;
using CertStream.Ingestor.Coordination;
using CertStream.Ingestor.Ct.Http;
using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Ct.StaticCt;
using CertStream.Ingestor.Feed;
using CertStream.Ingestor.Following;
using CertStream.Ingestor.Hosting;
using CertStream.Ingestor.LogList;
using CertStream.Ingestor.Options;
using CertStream.Ingestor.Publishing;
using CertStream.Ingestor.Serialization;
using CertStream.Ingestor.State;
using CertStream.Ingestor.Status;
using CertStream.Ingestor.Telemetry;
using CertStream.Ingestor.Verification;
using CertStream.Ingestor.Workers;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor;

public static class IngestorServiceExtensions
{
    public const string RedisConnectionName = "redis";
    private const string CtHttpClientName = "ct";

    /// <summary>Everything the ingestor runs: options, its HTTP address, Redis, CT clients, followers, log sharing, the worker.</summary>
    public static WebApplicationBuilder AddIngestor(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddCertStreamOptions<CtLogOptions, CtLogOptionsValidator>(CtLogOptions.Section);
        services.AddReloadableCertStreamOptions<LogListOptions, LogListOptionsValidator>(null);
        services.AddCertStreamOptions<CatchUpOptions, CatchUpOptionsValidator>(CatchUpOptions.Section);
        services.AddCertStreamOptions<DedupOptions, DedupOptionsValidator>(DedupOptions.Section);
        services.AddCertStreamOptions<ReplayOptions, ReplayOptionsValidator>(ReplayOptions.Section);
        services.AddCertStreamOptions<IngestorHttpOptions, IngestorHttpOptionsValidator>(IngestorHttpOptions.Section);
        services.AddCertStreamOptions<StatusOptions, StatusOptionsValidator>(StatusOptions.Section);
        services.AddCertStreamOptions<CertStoreOptions, CertStoreOptionsValidator>(CertStoreOptions.Section);
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, IngestorListenSetup>();
        // While Redis is unreachable, fail commands at once instead of queueing them for the
        // reconnect: the publisher and the cursor save retry with backoff themselves, and an
        // unbounded queue of PUBLISHes would hold their buffers and reach Redis (and the
        // gateways) in a burst, before the gateways have subscribed again.
        // No span per Redis command: three PUBLISHes per certificate, and the tracing profiler kept
        // each command with its message buffer until its 10 s flush (~600 MB of a 750 MB heap
        // measured at 2,400 certificates/s, bench/README.md). Fetches keep their "ct.fetch" spans.
        builder.AddCertStreamRedis(RedisConnectionName, o => o.BacklogPolicy = StackExchange.Redis.BacklogPolicy.FailFast,
            commandTracing: false);

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IngestorMetrics>();
        services.AddVerification();
        services.AddHttpClient(CtHttpClientName, http =>
            {
                http.DefaultRequestHeaders.UserAgent.ParseAdd(CtHttpClient.UserAgent);
                http.DefaultRequestHeaders.AcceptEncoding.ParseAdd("gzip, identity");
                http.Timeout = Timeout.InfiniteTimeSpan; // per request, from ct_log:request_timeout_secs
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AutomaticDecompression = DecompressionMethods.GZip,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = 16,
            });
        services.AddHttpClient(LogListSource.HttpClientName, http =>
        {
            http.DefaultRequestHeaders.UserAgent.ParseAdd(CtHttpClient.UserAgent);
            http.Timeout = TimeSpan.FromSeconds(60);
        });
        services.AddSingleton(sp => new CtHttpClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(CtHttpClientName),
            sp.GetRequiredService<IngestorMetrics>(),
            sp.GetRequiredService<TimeProvider>())
        {
            Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<CtLogOptions>>().Value.RequestTimeoutSecs),
        });
        services.AddSingleton<Rfc6962Client>();
        services.AddSingleton<StaticCtClient>();
        services.AddSingleton<IssuerCache>();
        services.AddSingleton<ICertificateMessageSerializer, CertificateMessageSerializer>();
        services.AddSingleton<DedupCheck>();
        services.AddSingleton<ReplayPublisher>();
        services.AddSingleton<EntryPublisher>();
        services.AddSingleton<CatchUpLimiter>();
        services.AddSingleton<CatchUpPolicy>();
        services.AddSingleton<FetchBudget>();
        services.AddSingleton<StateFileMirror>();
        services.AddSingleton<RedisTreeStateStore>();
        services.AddSingleton<IngestorIdentity>();
        services.AddSingleton<LeaseStore>();
        services.AddSingleton<LeaseCoordinator>();
        services.AddSingleton<Rfc6962Follower>();
        services.AddSingleton<StaticCtFollower>();
        services.AddSingleton<LogWorker>();
        services.AddSingleton<LogListSource>();
        services.AddSingleton<IngestorReadiness>();
        services.AddHealthChecks().AddCheck<IngestorReadiness>("ingestor");
        if (FeedOptions.IsEnabled(builder.Configuration))
        {
            builder.AddCertStreamFeed();
        }

        services.AddHostedService<IngestorWorker>();
        services.AddHostedService<ProgressReporter>();
        services.AddSingleton<LogCatalog>();
        services.AddSingleton<CertStoreMetrics>();
        services.AddSingleton<CertificateStore>();
        services.AddHostedService(sp => sp.GetRequiredService<CertificateStore>());
        services.AddHostedService<IngestorStatusReporter>();
        return builder;
    }
}
