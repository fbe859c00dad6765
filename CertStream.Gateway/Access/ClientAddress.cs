using System.Net;
using CertStream.Gateway.Options;
using CertStream.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Logging.Abstractions;

namespace CertStream.Gateway.Access;

/// <summary>
/// The client's IP, the one rate limits, connection limits and logs use. <c>X-Forwarded-For</c>
/// counts only when the direct peer is one of <c>trusted_proxies</c>; then the header is walked
/// from the right past trusted hops and the first untrusted address is the client (entries further
/// left were written by the client itself and prove nothing). Otherwise the socket's address.
/// The walk is ASP.NET Core's <see cref="ForwardedHeadersMiddleware"/> (no forward limit, the
/// trusted proxies as its known networks), rebuilt when <c>trusted_proxies</c> is reloaded.
/// </summary>
internal sealed class ClientAddress
{
    private readonly ILoggerFactory _loggerFactory;
    private volatile Trusted _trusted;

    public ClientAddress(ReloadableOptions<ClientAddressOptions> options, ILoggerFactory? loggerFactory = null)
    {
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _trusted = new Trusted(options.Current, _loggerFactory);
        options.Changed += (_, current) => _trusted = new Trusted(current, _loggerFactory);
    }

    /// <summary>IPv4-mapped IPv6 addresses (from dual-stack sockets) as plain IPv4, so one client has one key.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public bool IsTrusted(IPAddress address) => _trusted.Contains(address);

    /// <summary>
    /// The client of an HTTP request (see the class summary). Applies it to the request too:
    /// <c>Connection.RemoteIpAddress</c> becomes the client (normalized), and the port the one the
    /// header gave, else the peer's.
    /// </summary>
    public IPAddress Resolve(HttpContext context)
    {
        var connection = context.Connection;
        var trusted = _trusted;
        if (trusted.Forwarders is { } forwarders)
        {
            // An empty list of known proxies means "trust every peer" to the middleware: never called then.
            var peerPort = connection.RemotePort;
            forwarders.ApplyForwarders(context);
            if (connection.RemotePort == 0)
            {
                connection.RemotePort = peerPort;
            }
        }

        var client = connection.RemoteIpAddress is { } remote ? Normalize(remote) : IPAddress.None;
        connection.RemoteIpAddress = client;
        return client;
    }

    private sealed class Trusted
    {
        private readonly System.Net.IPNetwork[] _networks;

        public Trusted(ClientAddressOptions options, ILoggerFactory loggerFactory)
        {
            _networks = [.. options.ParseNetworks()];
            if (_networks.Length == 0)
            {
                return;
            }

            var forwarded = new ForwardedHeadersOptions
            {
                ForwardedHeaders = ForwardedHeaders.XForwardedFor,
                ForwardLimit = null, // every trusted hop, however many
            };
            forwarded.KnownProxies.Clear(); // the defaults trust loopback; only trusted_proxies count here
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in _networks)
            {
                forwarded.KnownIPNetworks.Add(network);
            }

            Forwarders = new ForwardedHeadersMiddleware(static _ => Task.CompletedTask, loggerFactory, Microsoft.Extensions.Options.Options.Create(forwarded));
        }

        /// <summary>Null when no proxy is trusted.</summary>
        public ForwardedHeadersMiddleware? Forwarders { get; }

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
