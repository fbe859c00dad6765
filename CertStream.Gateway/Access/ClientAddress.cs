using System.Net;
using CertStream.Gateway.Options;
using CertStream.ServiceDefaults.Configuration;

namespace CertStream.Gateway.Access;

/// <summary>
/// The client's IP, the one rate limits, connection limits and logs use. <c>X-Forwarded-For</c>
/// counts only when the direct peer is one of <c>trusted_proxies</c>; then the header is walked
/// from the right past trusted hops and the first untrusted address is the client (entries further
/// left were written by the client itself and prove nothing). Otherwise the socket's address.
/// </summary>
internal sealed class ClientAddress
{
    private volatile Trusted _trusted;

    public ClientAddress(ReloadableOptions<ClientAddressOptions> options)
    {
        _trusted = new Trusted(options.Current);
        options.Changed += (_, current) => _trusted = new Trusted(current);
    }

    /// <summary>IPv4-mapped IPv6 addresses (from dual-stack sockets) as plain IPv4, so one client has one key.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public bool IsTrusted(IPAddress address) => _trusted.Contains(address);

    /// <summary>The client of an HTTP request (see the class summary).</summary>
    public IPAddress Resolve(HttpContext context)
    {
        var peer = context.Connection.RemoteIpAddress is { } remote ? Normalize(remote) : IPAddress.None;
        var trusted = _trusted;
        if (trusted.IsEmpty || !trusted.Contains(peer))
        {
            return peer;
        }

        var client = peer;
        var values = context.Request.Headers["X-Forwarded-For"];
        for (var v = values.Count - 1; v >= 0; v--)
        {
            var hops = (values[v] ?? "").AsSpan();
            while (!hops.IsEmpty)
            {
                var comma = hops.LastIndexOf(',');
                var hop = hops[(comma + 1)..].Trim();
                hops = comma < 0 ? [] : hops[..comma];
                if (hop.IsEmpty)
                {
                    continue;
                }

                if (!TryParseHop(hop, out var address))
                {
                    return client; // garbage left of a trusted hop: stop at the last address we can vouch for
                }

                client = address;
                if (!trusted.Contains(address))
                {
                    return address;
                }
            }
        }

        return client;
    }

    // "1.2.3.4", "2001:db8::1", "[2001:db8::1]:443" or "1.2.3.4:5678".
    private static bool TryParseHop(ReadOnlySpan<char> hop, out IPAddress address)
    {
        if (IPAddress.TryParse(hop, out address!))
        {
            address = Normalize(address);
            return true;
        }

        if (IPEndPoint.TryParse(hop, out var endPoint))
        {
            address = Normalize(endPoint.Address);
            return true;
        }

        return false;
    }

    private sealed class Trusted(ClientAddressOptions options)
    {
        private readonly IPNetwork[] _networks = [.. options.ParseNetworks()];

        public bool IsEmpty => _networks.Length == 0;

        public bool Contains(IPAddress address)
        {
            foreach (var network in _networks)
            {
                if (network.Contains(address))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
