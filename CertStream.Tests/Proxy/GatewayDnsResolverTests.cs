using System.Net;
using System.Net.Sockets;
using CertStream.Proxy;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Configuration;

namespace CertStream.Tests.Proxy;

/// <summary>
/// DNS discovery of gateways (a Kubernetes headless Service): one destination per address, named
/// after it so health state stays with its pod, the last good answer kept when a lookup fails,
/// and a fresh lookup after the refresh period.
/// </summary>
public sealed class GatewayDnsResolverTests
{
    private const string Gateway = "http://gateway-pods:8080";

    private static readonly Dictionary<string, DestinationConfig> Destinations = new()
    {
        [Gateway] = new DestinationConfig { Address = Gateway },
    };

    [Fact]
    public async Task EveryAddressIsADestinationNamedAfterItWhateverTheDnsOrder()
    {
        var answers = new Queue<IPAddress[]>([
            [IPAddress.Parse("10.1.0.7"), IPAddress.Parse("10.1.0.3")],
            [IPAddress.Parse("10.1.0.3"), IPAddress.Parse("10.1.0.7")],
        ]);
        var resolver = Resolver(new FakeTimeProvider(), (_, _) => Task.FromResult(answers.Dequeue()));
        var ct = TestContext.Current.CancellationToken;

        var first = await resolver.ResolveDestinationsAsync(Destinations, ct);
        var second = await resolver.ResolveDestinationsAsync(Destinations, ct);

        Assert.Equal([$"{Gateway}/10.1.0.3", $"{Gateway}/10.1.0.7"], first.Destinations.Keys.Order());
        Assert.Equal("http://10.1.0.7:8080/", first.Destinations[$"{Gateway}/10.1.0.7"].Address);
        Assert.Equal("gateway-pods:8080", first.Destinations[$"{Gateway}/10.1.0.7"].Host);
        Assert.Equal(first.Destinations.OrderBy(d => d.Key), second.Destinations.OrderBy(d => d.Key));
    }

    [Fact]
    public async Task IPv6AddressesAreBracketedInTheDestinationUrl()
    {
        var resolver = Resolver(new FakeTimeProvider(), (_, _) => Task.FromResult(new[] { IPAddress.Parse("fd00::5") }));

        var resolved = await resolver.ResolveDestinationsAsync(Destinations, TestContext.Current.CancellationToken);

        Assert.Equal("http://[fd00::5]:8080/", Assert.Single(resolved.Destinations).Value.Address);
    }

    [Fact]
    public async Task FailedOrEmptyLookupsKeepTheLastGoodAddresses()
    {
        var calls = 0;
        var resolver = Resolver(new FakeTimeProvider(), (_, _) => ++calls switch
        {
            1 => Task.FromResult(new[] { IPAddress.Parse("10.1.0.3") }),
            2 => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.TryAgain)),
            _ => Task.FromResult(Array.Empty<IPAddress>()),
        });
        var ct = TestContext.Current.CancellationToken;

        await resolver.ResolveDestinationsAsync(Destinations, ct);
        var afterFailure = await resolver.ResolveDestinationsAsync(Destinations, ct);
        var afterEmpty = await resolver.ResolveDestinationsAsync(Destinations, ct);

        Assert.Equal([$"{Gateway}/10.1.0.3"], afterFailure.Destinations.Keys);
        Assert.Equal([$"{Gateway}/10.1.0.3"], afterEmpty.Destinations.Keys);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task AFirstFailedLookupGivesNoDestinationsAndAsksAgainAfterTheRefreshPeriod()
    {
        var time = new FakeTimeProvider();
        var resolver = Resolver(time, (_, _) => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)));

        var resolved = await resolver.ResolveDestinationsAsync(Destinations, TestContext.Current.CancellationToken);

        Assert.Empty(resolved.Destinations);
        var token = Assert.IsType<Microsoft.Extensions.Primitives.IChangeToken>(resolved.ChangeToken, exactMatch: false);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(token.HasChanged);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(token.HasChanged);
    }

    private static GatewayDnsResolver Resolver(TimeProvider time, Func<string, CancellationToken, Task<IPAddress[]>> lookup) =>
        new(new ProxyOptions { Discovery = GatewayDiscovery.Dns, DnsRefreshSeconds = 5 }, time, NullLogger<GatewayDnsResolver>.Instance, lookup);
}
