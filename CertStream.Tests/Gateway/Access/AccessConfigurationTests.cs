using System.Collections;
using CertStream.Gateway.Options;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CertStream.Tests.Gateway.Access;

/// <summary>The access settings bind from their YAML keys and their CERTSTREAM_* variables, and bad values name the key.</summary>
public sealed class AccessConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("certstream-access-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private IConfiguration Build(string? yaml, IDictionary env) => TestConfiguration.Build(_dir, yaml, env);

    private static T Get<T, TValidator>(IConfiguration configuration, string? section)
        where T : class
        where TValidator : class, IValidateOptions<T>
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddCertStreamOptions<T, TValidator>(section);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<T>>().Value;
    }

    [Fact]
    public void YamlKeysBind()
    {
        var config = Build("""
            trusted_proxies: ["127.0.0.1", "10.0.0.0/8"]
            auth:
              enabled: true
              tokens: ["t1", "t2"]
              header_name: "X-Api-Key"
              protect_metrics: true
              tcp_timeout_ms: 2500
            rate_limit:
              enabled: true
              per_second: 2.5
              burst_size: 7
            connection_limit:
              enabled: true
              max_connections: 50
              per_ip_limit: 5
              node_ttl_secs: 9
            """, new Hashtable());

        var auth = Get<AuthOptions, AuthOptionsValidator>(config, AuthOptions.Section);
        Assert.Equal((true, "X-Api-Key", true, 2500), (auth.Enabled, auth.HeaderName, auth.ProtectMetrics, auth.TcpTimeoutMs));
        Assert.Equal(["t1", "t2"], auth.Tokens);
        var rate = Get<RateLimitOptions, RateLimitOptionsValidator>(config, RateLimitOptions.Section);
        Assert.Equal((true, 2.5, 7), (rate.Enabled, rate.PerSecond, rate.BurstSize));
        var limits = Get<ConnectionLimitOptions, ConnectionLimitOptionsValidator>(config, ConnectionLimitOptions.Section);
        Assert.Equal((true, 50, 5, 9.0), (limits.Enabled, limits.MaxConnections, limits.PerIpLimit, limits.NodeTtlSecs));
        Assert.Equal(["127.0.0.1", "10.0.0.0/8"], Get<ClientAddressOptions, ClientAddressOptionsValidator>(config, null).TrustedProxies);
    }

    [Fact]
    public void EnvironmentVariablesBind()
    {
        var config = Build(null, new Hashtable
        {
            ["CERTSTREAM_TRUSTED_PROXIES"] = "127.0.0.1, ::1,10.0.0.0/8",
            ["CERTSTREAM_AUTH_ENABLED"] = "true",
            ["CERTSTREAM_AUTH_TOKENS"] = "a,b",
            ["CERTSTREAM_AUTH_HEADER_NAME"] = "X-Token",
            ["CERTSTREAM_AUTH_PROTECT_METRICS"] = "true",
            ["CERTSTREAM_RATE_LIMIT_ENABLED"] = "true",
            ["CERTSTREAM_RATE_LIMIT_PER_SECOND"] = "3",
            ["CERTSTREAM_RATE_LIMIT_BURST_SIZE"] = "4",
            ["CERTSTREAM_CONNECTION_LIMIT_ENABLED"] = "true",
            ["CERTSTREAM_CONNECTION_LIMIT_MAX_CONNECTIONS"] = "20",
            ["CERTSTREAM_CONNECTION_LIMIT_PER_IP_LIMIT"] = "2",
        });

        Assert.Equal(["127.0.0.1", "::1", "10.0.0.0/8"], Get<ClientAddressOptions, ClientAddressOptionsValidator>(config, null).TrustedProxies);
        var auth = Get<AuthOptions, AuthOptionsValidator>(config, AuthOptions.Section);
        Assert.Equal((true, "X-Token", true), (auth.Enabled, auth.HeaderName, auth.ProtectMetrics));
        Assert.Equal(["a", "b"], auth.Tokens);
        var rate = Get<RateLimitOptions, RateLimitOptionsValidator>(config, RateLimitOptions.Section);
        Assert.Equal((true, 3.0, 4), (rate.Enabled, rate.PerSecond, rate.BurstSize));
        var limits = Get<ConnectionLimitOptions, ConnectionLimitOptionsValidator>(config, ConnectionLimitOptions.Section);
        Assert.Equal((true, 20, 2), (limits.Enabled, limits.MaxConnections, limits.PerIpLimit));
    }

    [Fact]
    public void DefaultsMatchTheReferenceServer()
    {
        var config = Build(null, new Hashtable());
        var auth = Get<AuthOptions, AuthOptionsValidator>(config, AuthOptions.Section);
        Assert.Equal((false, "Authorization", false), (auth.Enabled, auth.HeaderName, auth.ProtectMetrics));
        var rate = Get<RateLimitOptions, RateLimitOptionsValidator>(config, RateLimitOptions.Section);
        Assert.Equal((false, 10.0, 20), (rate.Enabled, rate.PerSecond, rate.BurstSize));
        var limits = Get<ConnectionLimitOptions, ConnectionLimitOptionsValidator>(config, ConnectionLimitOptions.Section);
        Assert.Equal((false, 10000, 100, 15.0), (limits.Enabled, limits.MaxConnections, limits.PerIpLimit, limits.NodeTtlSecs));
        Assert.Empty(Get<ClientAddressOptions, ClientAddressOptionsValidator>(config, null).TrustedProxies);
    }

    [Theory]
    [InlineData("CERTSTREAM_AUTH_ENABLED", "true", "auth:tokens (CERTSTREAM_AUTH_TOKENS)")]
    [InlineData("CERTSTREAM_RATE_LIMIT_PER_SECOND", "0", "rate_limit:per_second")]
    [InlineData("CERTSTREAM_RATE_LIMIT_BURST_SIZE", "0", "rate_limit:burst_size")]
    [InlineData("CERTSTREAM_CONNECTION_LIMIT_PER_IP_LIMIT", "20000", "connection_limit:max_connections")]
    [InlineData("CERTSTREAM_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local", "trusted_proxies:1")]
    public void BadValuesFailNamingTheKey(string variable, string value, string expected)
    {
        var config = Build(null, new Hashtable { [variable] = value });
        var services = new ServiceCollection();
        services.AddSingleton(config);
        services.AddCertStreamOptions<AuthOptions, AuthOptionsValidator>(AuthOptions.Section);
        services.AddCertStreamOptions<RateLimitOptions, RateLimitOptionsValidator>(RateLimitOptions.Section);
        services.AddCertStreamOptions<ConnectionLimitOptions, ConnectionLimitOptionsValidator>(ConnectionLimitOptions.Section);
        services.AddCertStreamOptions<ClientAddressOptions, ClientAddressOptionsValidator>(null);
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = provider.GetRequiredService<IOptions<AuthOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<RateLimitOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<ConnectionLimitOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<ClientAddressOptions>>().Value;
        });
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void TokensNeverAppearInValidationErrors()
    {
        var result = new AuthOptionsValidator().Validate(null, new AuthOptions { Enabled = true, Tokens = ["good", "has space-secret"] });
        Assert.True(result.Failed);
        Assert.Contains("auth:tokens:1", result.FailureMessage);
        Assert.DoesNotContain("secret", result.FailureMessage);
    }
}
