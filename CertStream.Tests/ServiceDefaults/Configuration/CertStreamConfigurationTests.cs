using System.Collections;
using CertStream.Gateway.Options;
using CertStream.Ingestor.Options;
using CertStream.ServiceDefaults.Configuration;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CertStream.Tests.ServiceDefaults.Configuration;

public sealed class CertStreamConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("certstream-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private IConfiguration Build(string? yaml, IDictionary env) => TestConfiguration.Build(_dir, yaml, env);

    private static T Bind<T>(IConfiguration configuration, string? section) where T : class, new()
    {
        var options = new T();
        (section is null ? configuration : configuration.GetSection(section)).Bind(options);
        return options;
    }

    [Fact]
    public void YamlKeysBindToOptions()
    {
        var config = Build("""
            host: "127.0.0.2"
            port: 9090
            buffer_size: 50
            protocols:
              websocket: false
              sse: true
              tcp: true
              tcp_port: 9191
            ct_log:
              batch_size: 32
              state_file: "/tmp/state.json"
            custom_logs:
              - name: "My Log"
                url: "https://ct.example.com/log/"
                type: tiled
            """, new Hashtable());

        var server = Bind<ServerOptions>(config, null);
        var protocols = Bind<ProtocolOptions>(config, ProtocolOptions.Section);
        var ctLog = Bind<CtLogOptions>(config, CtLogOptions.Section);
        var logList = Bind<LogListOptions>(config, null);
        Assert.Equal(("127.0.0.2", 9090, 50), (server.Host, server.Port, server.BufferSize));
        Assert.Equal((false, true, true, 9191), (protocols.WebSocket, protocols.Sse, protocols.Tcp, protocols.TcpPort));
        Assert.Equal((32, "/tmp/state.json"), (ctLog.BatchSize, ctLog.StateFile));
        var custom = Assert.Single(logList.CustomLogs);
        Assert.True(custom.IsTiled);
        Assert.Equal("My Log", custom.Name);
    }

    [Fact]
    public void EnvironmentVariablesOverrideTheFile()
    {
        var config = Build("port: 9090\nprotocols:\n  sse: false\n", new Hashtable
        {
            ["CERTSTREAM_PORT"] = "7070",
            ["CERTSTREAM_SSE_ENABLED"] = "true",
            ["CERTSTREAM_AUTH_TOKENS"] = "one, two",
            ["UNRELATED"] = "x",
        });

        Assert.Equal(7070, Bind<ServerOptions>(config, null).Port);
        Assert.True(Bind<ProtocolOptions>(config, ProtocolOptions.Section).Sse);
        Assert.Equal(["one", "two"], config.GetSection("auth:tokens").Get<string[]>()!);
    }

    [Fact]
    public void DefaultsMatchTheReferenceServer()
    {
        var config = Build(null, new Hashtable());
        var server = Bind<ServerOptions>(config, null);
        var protocols = Bind<ProtocolOptions>(config, ProtocolOptions.Section);
        var ctLog = Bind<CtLogOptions>(config, CtLogOptions.Section);
        Assert.Equal(("0.0.0.0", 8080, 1000), (server.Host, server.Port, server.BufferSize));
        Assert.Equal("info", Bind<LoggingOptions>(config, null).LogLevel);
        Assert.Equal((true, false, false, 8081), (protocols.WebSocket, protocols.Sse, protocols.Tcp, protocols.TcpPort));
        Assert.Equal((3, 30, 256), (ctLog.RetryMaxAttempts, ctLog.RequestTimeoutSecs, ctLog.BatchSize));
        Assert.Equal(LogListOptions.DefaultUrl, Bind<LogListOptions>(config, null).LogsUrl);
    }

    [Theory]
    [InlineData("CERTSTREAM_PORT", "-1", "port (CERTSTREAM_PORT)")]
    [InlineData("CERTSTREAM_LOG_LEVEL", "loud", "log_level (CERTSTREAM_LOG_LEVEL)")]
    [InlineData("CERTSTREAM_BUFFER_SIZE", "0", "buffer_size (CERTSTREAM_BUFFER_SIZE)")]
    [InlineData("CERTSTREAM_TLS_CERT", "/nonexistent.pem", "CERTSTREAM_TLS_CERT")]
    public void BadValuesFailValidationNamingTheKey(string variable, string value, string expected)
    {
        var services = new ServiceCollection();
        services.AddSingleton(Build(null, new Hashtable { [variable] = value }));
        services.AddCertStreamOptions<ServerOptions, ServerOptionsValidator>(null);
        services.AddCertStreamOptions<LoggingOptions, LoggingOptionsValidator>(null);
        services.AddCertStreamOptions<CertStream.Ingestor.Options.ReplayOptions, CertStream.Ingestor.Options.ReplayOptionsValidator>(CertStream.Ingestor.Options.ReplayOptions.Section);
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(expected, ex.Message);
        Assert.Contains(value, ex.Message);
    }

    [Fact]
    public void MalformedYamlStopsStartupNamingTheFile()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => Build("port: [1,\nhost: x", new Hashtable()));
        Assert.Contains("config.yaml", ex.Message);
    }

    [Fact]
    public void TheExampleConfigDocumentsValidDefaults()
    {
        var yaml = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "config.example.yaml"));
        var config = Build(yaml, new Hashtable());
        var services = new ServiceCollection();
        services.AddSingleton(config);
        services.AddCertStreamOptions<ServerOptions, ServerOptionsValidator>(null);
        services.AddCertStreamOptions<ProtocolOptions, ProtocolOptionsValidator>(ProtocolOptions.Section);
        services.AddCertStreamOptions<CtLogOptions, CtLogOptionsValidator>(CtLogOptions.Section);
        services.AddCertStreamOptions<LogListOptions, LogListOptionsValidator>(null);
        services.AddCertStreamOptions<LoggingOptions, LoggingOptionsValidator>(null);
        services.AddCertStreamOptions<CertStream.Ingestor.Options.ReplayOptions, CertStream.Ingestor.Options.ReplayOptionsValidator>(CertStream.Ingestor.Options.ReplayOptions.Section);
        using var provider = services.BuildServiceProvider();
        Assert.Equal(new ServerOptions().Port, provider.GetRequiredService<IOptions<ServerOptions>>().Value.Port);
        Assert.Equal(new CtLogOptions().BatchSize, provider.GetRequiredService<IOptions<CtLogOptions>>().Value.BatchSize);
        Assert.Equal(LogListOptions.DefaultUrl, provider.GetRequiredService<IOptions<LogListOptions>>().Value.LogsUrl);
        Assert.True(provider.GetRequiredService<IOptions<ProtocolOptions>>().Value.WebSocket);
        Assert.Equal("info", provider.GetRequiredService<IOptions<LoggingOptions>>().Value.LogLevel);
        Assert.Equal(new CertStream.Ingestor.Options.ReplayOptions().FullMaxEntries, provider.GetRequiredService<IOptions<CertStream.Ingestor.Options.ReplayOptions>>().Value.FullMaxEntries);

        // Every environment variable of the reference README is documented next to its key.
        foreach (var variable in CertStreamEnvironmentVariables.Keys.Keys)
        {
            Assert.Contains(variable, yaml);
        }
    }

    [Fact]
    public void SearchOrderPrefersExplicitThenYamlThenYml()
    {
        File.WriteAllText(Path.Combine(_dir, "config.yml"), "port: 1");
        Assert.EndsWith("config.yml", ConfigFileLocator.Find(null, _dir));
        File.WriteAllText(Path.Combine(_dir, "config.yaml"), "port: 2");
        Assert.EndsWith("config.yaml", ConfigFileLocator.Find(null, _dir));
        var custom = Path.Combine(_dir, "custom.yaml");
        File.WriteAllText(custom, "port: 3");
        Assert.Equal(custom, ConfigFileLocator.Find(custom, _dir));
        var missing = Assert.Throws<InvalidSettingException>(() => ConfigFileLocator.Find("missing.yaml", _dir));
        Assert.Contains("CERTSTREAM_CONFIG", missing.Message);
    }
}
