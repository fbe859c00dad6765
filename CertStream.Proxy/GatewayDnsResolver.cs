using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CertStream.Proxy.Telemetry;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.ServiceDiscovery;

namespace CertStream.Proxy;

/// <summary>
/// <see cref="GatewayDiscovery.Dns"/>: every address a gateway name resolves to (one per ready pod
/// behind a headless Service) becomes a destination of its own, looked up again every
/// <see cref="ProxyOptions.DnsRefreshSeconds"/>. YARP's own DnsDestinationResolver is close, but it
/// names destinations by position (when the DNS order changes, one pod inherits another's health
/// state and request count) and throws when a lookup fails, which fails the config reload; here a
/// destination is named after its address and a failed or empty lookup keeps the last good answer.
/// </summary>
internal sealed class GatewayDnsResolver(
    ProxyOptions options,
    TimeProvider time,
    ILogger<GatewayDnsResolver> logger,
    Func<string, CancellationToken, Task<IPAddress[]>>? lookup = null) : IDestinationResolver
{
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _lookup = lookup ?? Dns.GetHostAddressesAsync;
    private readonly ConcurrentDictionary<string, IPAddress[]> _lastGood = new(StringComparer.OrdinalIgnoreCase);

    public async ValueTask<ResolvedDestinationCollection> ResolveDestinationsAsync(
        IReadOnlyDictionary<string, DestinationConfig> destinations, CancellationToken cancellationToken)
    {
        var resolved = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, config) in destinations)
        {
            var uri = new Uri(config.Address);
            foreach (var address in await LookupAsync(id, uri.DnsSafeHost, cancellationToken))
            {
                resolved[$"{id}/{address}"] = config with
                {
                    Address = new UriBuilder(uri) { Host = address.ToString() }.Uri.ToString(),
                    Host = config.Host ?? uri.Authority,
                };
            }
        }

        // The token's timer is the refresh: YARP resolves again when it fires.
        var refresh = new CancellationTokenSource(options.DnsRefreshPeriod, time);
        return new ResolvedDestinationCollection(resolved, new CancellationChangeToken(refresh.Token));
    }

    private async Task<IPAddress[]> LookupAsync(string id, string host, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = [.. (await _lookup(host, cancellationToken)).Distinct().OrderBy(a => a.ToString(), StringComparer.Ordinal)];
            if (addresses.Length == 0)
            {
                throw new SocketException((int)SocketError.HostNotFound);
            }
        }
        catch (SocketException ex)
        {
            var kept = _lastGood.GetValueOrDefault(id, []);
            ProxyLog.GatewayLookupFailed(logger, host, kept.Length, ex);
            return kept;
        }

        var previous = _lastGood.GetValueOrDefault(id);
        if (previous is null || !previous.SequenceEqual(addresses))
        {
            ProxyLog.GatewayAddressesResolved(logger, host, string.Join(", ", addresses.Select(a => a.ToString())));
        }

        _lastGood[id] = addresses;
        return addresses;
    }
}
