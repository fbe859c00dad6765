using CertStream.Gateway;
using CertStream.Ingestor;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CertStream.Tests.ServiceDefaults.Configuration;

/// <summary>
/// The effective log filter of the real service hosts: at the default level the framework's
/// per-request and per-connection lines are off and the services' own Information lines on; at
/// <c>log_level: debug</c> the HTTP requests show.
/// </summary>
public sealed class LogLevelTests : IDisposable
{
    private readonly List<WebApplication> _apps = [];
    private const string Redis = "--ConnectionStrings:redis=127.0.0.1:1";

    /// <summary>Framework categories that write a line (or several) per HTTP request or connection.</summary>
    public static readonly TheoryData<string> FrameworkCategories =
    [
        "System.Net.Http.HttpClient.ct.LogicalHandler",
        "System.Net.Http.HttpClient.ct.ClientHandler",
        "Microsoft.AspNetCore.Hosting.Diagnostics",
        "Microsoft.AspNetCore.Routing.EndpointMiddleware",
        "Microsoft.AspNetCore.Server.Kestrel.Connections",
        "Microsoft.AspNetCore.Http.Result.ContentResult",
        "Microsoft.Extensions.Http.DefaultHttpClientFactory",
        "Polly",
        "Yarp.ReverseProxy.Forwarder.HttpForwarder",
    ];

    public void Dispose()
    {
        foreach (var app in _apps)
        {
            ((IDisposable)app).Dispose();
        }
    }

    private ILoggerFactory Ingestor(params string[] args) => Built(IngestorApp.Build([Redis, .. args]));

    private ILoggerFactory Gateway(params string[] args)
    {
        var builder = WebApplication.CreateBuilder([Redis, .. args]);
        builder.AddGateway();
        return Built(builder.Build());
    }

    private ILoggerFactory Built(WebApplication app)
    {
        _apps.Add(app);
        return app.Services.GetRequiredService<ILoggerFactory>();
    }

    [Theory]
    [MemberData(nameof(FrameworkCategories))]
    public void FrameworkCategoriesAreAtWarningByDefault(string category)
    {
        foreach (var factory in new[] { Ingestor(), Gateway() })
        {
            var logger = factory.CreateLogger(category);
            Assert.False(logger.IsEnabled(LogLevel.Information), category);
            Assert.True(logger.IsEnabled(LogLevel.Warning), category);
        }
    }

    [Fact]
    public void TheServicesOwnCategoriesAreAtInformationByDefault()
    {
        var ingestor = Ingestor().CreateLogger("CertStream.Ingestor.Workers.LogWorker");
        var gateway = Gateway().CreateLogger("CertStream.Gateway.Fanout.StreamHub");
        foreach (var logger in new[] { ingestor, gateway })
        {
            Assert.True(logger.IsEnabled(LogLevel.Information));
            Assert.False(logger.IsEnabled(LogLevel.Debug));
        }

        Assert.True(Ingestor().CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void RedisClientChatterIsOffUnlessDebugging()
    {
        var quiet = Ingestor().CreateLogger("StackExchange.Redis.ConnectionMultiplexer");
        Assert.False(quiet.IsEnabled(LogLevel.Information));
        Assert.False(quiet.IsEnabled(LogLevel.Error));
        Assert.True(Ingestor("--log_level=debug").CreateLogger("StackExchange.Redis.ConnectionMultiplexer").IsEnabled(LogLevel.Debug));
    }

    [Fact]
    public void DebugShowsTheHttpRequests()
    {
        var factory = Ingestor("--log_level=debug");
        Assert.True(factory.CreateLogger("System.Net.Http.HttpClient.ct.LogicalHandler").IsEnabled(LogLevel.Information));
        Assert.True(factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.True(factory.CreateLogger("CertStream.Ingestor.Workers.LogWorker").IsEnabled(LogLevel.Debug));
    }

    [Fact]
    public void TheGatewayNeverWritesRequestLinesThatMayHoldAToken()
    {
        var logger = Gateway("--log_level=debug").CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");
        Assert.False(logger.IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void WarnRaisesTheServicesOwnCategoriesToo()
    {
        var factory = Ingestor("--log_level=warn");
        Assert.False(factory.CreateLogger("CertStream.Ingestor.Workers.LogWorker").IsEnabled(LogLevel.Information));
        Assert.True(factory.CreateLogger("CertStream.Ingestor.Workers.LogWorker").IsEnabled(LogLevel.Warning));
        Assert.False(factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
    }
}
