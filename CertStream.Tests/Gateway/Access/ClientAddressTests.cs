using System.Net;
using CertStream.Gateway.Access;
using CertStream.Gateway.Options;
using CertStream.ServiceDefaults.Configuration;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using CertStream.Tests.Gateway.Access.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace CertStream.Tests.Gateway.Access;

/// <summary><c>trusted_proxies</c>: X-Forwarded-For counts only from a trusted peer, walked from the right.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ClientAddressTests(RedisFixture redis)
{
    private static ClientAddress Resolver(params string[] trusted)
    {
        var options = new ClientAddressOptions { TrustedProxies = [.. trusted] };
        var config = new ConfigurationBuilder().Build();
        return new ClientAddress(new ReloadableOptions<ClientAddressOptions>(config, Microsoft.Extensions.Options.Options.Create(options), [new ClientAddressOptionsValidator()], null));
    }

    private static HttpContext Request(string peer, params string[] forwardedFor)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        if (forwardedFor.Length > 0)
        {
            context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        }

        return context;
    }

    [Theory]
    [InlineData("198.51.100.7", "203.0.113.9", "198.51.100.7")]                         // untrusted peer: header ignored
    [InlineData("127.0.0.1", "203.0.113.9", "203.0.113.9")]                             // trusted peer: its client
    [InlineData("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.1.2.3", "203.0.113.9")]          // past trusted hops; spoofed left part ignored
    [InlineData("127.0.0.1", "10.0.0.1, 10.0.0.2", "10.0.0.1")]                         // all trusted: the leftmost
    [InlineData("127.0.0.1", "junk, 203.0.113.9", "203.0.113.9")]
    [InlineData("127.0.0.1", "203.0.113.9, junk", "127.0.0.1")]                         // garbage next to us: stop at the proxy
    [InlineData("::ffff:127.0.0.1", "[2001:db8::1]:443", "2001:db8::1")]                // mapped peer, bracketed v6 with port
    [InlineData("127.0.0.1", "", "127.0.0.1")]
    public void TheClientIsTheFirstUntrustedHopFromTheRight(string peer, string header, string expected)
    {
        var resolver = Resolver("127.0.0.1", "10.0.0.0/8");
        Assert.Equal(IPAddress.Parse(expected), resolver.Resolve(Request(peer, header.Length == 0 ? [] : [header])));
    }

    [Fact]
    public void SeveralHeaderLinesAreOneList()
    {
        var resolver = Resolver("127.0.0.1");
        Assert.Equal(IPAddress.Parse("203.0.113.5"), resolver.Resolve(Request("127.0.0.1", "6.6.6.6", "203.0.113.5")));
    }

    [Fact]
    public void LoopbackIsTrustedOnlyWhenListed()
    {
        // ASP.NET Core's forwarded-headers defaults trust loopback; trusted_proxies alone must count.
        var resolver = Resolver("10.0.0.0/8");
        Assert.Equal(IPAddress.Parse("127.0.0.1"), resolver.Resolve(Request("127.0.0.1", "203.0.113.9")));
        Assert.Equal(IPAddress.Parse("203.0.113.9"), resolver.Resolve(Request("10.1.2.3", "203.0.113.9")));
    }

    [Fact]
    public void WithoutTrustedProxiesEveryHeaderIsIgnored()
    {
        // An empty list of known proxies means "any peer" to ASP.NET Core's middleware: not here.
        var resolver = Resolver();
        Assert.Equal(IPAddress.Parse("198.51.100.7"), resolver.Resolve(Request("198.51.100.7", "203.0.113.9")));
    }

    [Fact]
    public void TheResolvedClientIsTheRequestsRemoteAddressAndMappedAddressesArePlainIpv4()
    {
        var resolver = Resolver("127.0.0.1");
        var context = Request("127.0.0.1", "::ffff:203.0.113.9");
        context.Connection.RemotePort = 40000;
        Assert.Equal(IPAddress.Parse("203.0.113.9"), resolver.Resolve(context));
        Assert.Equal(IPAddress.Parse("203.0.113.9"), context.Connection.RemoteIpAddress);
        Assert.Equal(40000, context.Connection.RemotePort); // no port forwarded: the peer's stays
    }

    [Fact]
    public void InvalidEntriesAreReportedWithTheirKey()
    {
        var result = new ClientAddressOptionsValidator().Validate(null, new ClientAddressOptions { TrustedProxies = ["10.0.0.0/8", "not-an-ip", "10.0.0.0/99"] });
        Assert.True(result.Failed);
        Assert.Contains("trusted_proxies:1 (CERTSTREAM_TRUSTED_PROXIES)", result.FailureMessage);
        Assert.Contains("trusted_proxies:2", result.FailureMessage);
    }

    /// <summary>On real sockets, through the rate limit (burst 1): the limit follows the resolved client.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASpoofedForwardedForFromAnUntrustedPeerIsIgnoredAndHonouredFromATrustedOne(bool trusted)
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new Dictionary<string, string?>
        {
            ["rate_limit:enabled"] = "true",
            ["rate_limit:per_second"] = "0.001",
            ["rate_limit:burst_size"] = "1",
        };
        if (trusted)
        {
            settings["trusted_proxies:0"] = "127.0.0.1";
        }

        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, settings, cancellationToken: ct);
        var uri = gateway.Http("/example.json");
        var first = await AccessClients.StatusAsync(uri, ct, ("X-Forwarded-For", "203.0.113.1"));
        Assert.NotEqual(HttpStatusCode.TooManyRequests, first.StatusCode);

        // Another claimed client: a new bucket only if the header is believed.
        var second = await AccessClients.StatusAsync(uri, ct, ("X-Forwarded-For", "203.0.113.2"));
        Assert.Equal(trusted ? first.StatusCode : HttpStatusCode.TooManyRequests, second.StatusCode);

        // The same claimed client again: its bucket is empty either way.
        var third = await AccessClients.StatusAsync(uri, ct, ("X-Forwarded-For", "203.0.113.1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
    }
}
