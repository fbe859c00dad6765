using CertStream.Proxy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CertStream.Tests.Proxy;

/// <summary>
/// The proxy's own wiring on real sockets: DNS discovery reaches the gateway, and X-Forwarded-For
/// is replaced (Set, clients straight on the proxy) or extended (Append, behind an Ingress).
/// </summary>
public sealed class GatewayProxyTests
{
    [Theory]
    [InlineData("Set", "127.0.0.1")]
    [InlineData("Append", "203.0.113.9, 127.0.0.1")]
    public async Task DnsDiscoveredGatewayGetsTheForwardedForTheSettingAsks(string forwardedFor, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await StartAsync(new Dictionary<string, string?>(), app =>
        {
            app.MapGet("/health", () => "OK");
            app.MapGet("/echo", (HttpRequest request) => request.Headers["X-Forwarded-For"].ToString());
        }, ct);
        await using var proxy = await StartAsync(new Dictionary<string, string?>
        {
            ["Proxy:Discovery"] = "Dns",
            ["Proxy:Gateways:0"] = gateway.Urls.First(),
            ["Proxy:ForwardedFor"] = forwardedFor,
        }, app => app.MapReverseProxy(), ct, proxy: true);

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(proxy.Urls.First()), "/echo"));
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using var response = await http.SendAsync(request, ct);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, await response.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public void InvalidSettingsStopTheStartNamingTheirKeys()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Proxy:Gateways:0"] = "http://gateway-pods:8080/streams",
            ["Proxy:DnsRefreshSeconds"] = "0",
            ["Proxy:ForwardedFor"] = "Remove",
        });

        var error = Assert.Throws<OptionsValidationException>(() => builder.AddGatewayProxy());

        Assert.Contains("Proxy:Gateways:0", error.Message);
        Assert.Contains("Proxy:DnsRefreshSeconds", error.Message);
        Assert.Contains("Proxy:ForwardedFor", error.Message);
    }

    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> settings, Action<WebApplication> map, CancellationToken ct, bool proxy = false)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = Environments.Production });
        settings["urls"] = "http://127.0.0.1:0";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        if (proxy)
        {
            builder.AddGatewayProxy();
        }

        var app = builder.Build();
        map(app);
        await app.StartAsync(ct);
        return app;
    }
}
