using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;

namespace CertStream.Proxy;

/// <summary>
/// The <c>Proxy</c> section (env <c>Proxy__*</c>): where the gateways are and what the proxy tells
/// them about the client.
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "Proxy";

    /// <summary>
    /// The gateways: service names (<c>gateway-1</c>, resolved by service discovery) or URLs
    /// (<c>http://gateway-pods:8080</c>). Empty means <c>gateway</c>.
    /// </summary>
    public List<string> Gateways { get; init; } = [];

    public GatewayDiscovery Discovery { get; init; } = GatewayDiscovery.ServiceDiscovery;

    /// <summary>With <see cref="GatewayDiscovery.Dns"/>: how often each gateway name is looked up again.</summary>
    public int DnsRefreshSeconds { get; init; } = 5;

    /// <summary>
    /// <c>Set</c> replaces a client's X-Forwarded-For with the address the proxy sees (right when
    /// clients reach the proxy directly). <c>Append</c> keeps what an Ingress controller in front
    /// wrote and adds that address; the gateway then walks the list from the right, past its
    /// <c>trusted_proxies</c>, so what a client wrote itself still counts for nothing.
    /// </summary>
    public ForwardedTransformActions ForwardedFor { get; init; } = ForwardedTransformActions.Set;

    public IReadOnlyList<string> GatewaysOrDefault => Gateways.Count > 0 ? Gateways : ["gateway"];

    public TimeSpan DnsRefreshPeriod => TimeSpan.FromSeconds(DnsRefreshSeconds);

    /// <summary>A destination address: a URL as given, a bare name as <c>http://name</c>.</summary>
    public static string AddressOf(string gateway) =>
        gateway.Contains("://", StringComparison.Ordinal) ? gateway : $"http://{gateway}";
}

public enum GatewayDiscovery
{
    /// <summary>Each gateway is one destination, resolved by .NET service discovery (Aspire's <c>services__*</c> settings).</summary>
    ServiceDiscovery,

    /// <summary>
    /// Each gateway name is looked up in DNS and every address becomes a destination of its own:
    /// a Kubernetes headless Service gives one per ready pod, so balancing and health checks are per pod.
    /// </summary>
    Dns,
}

/// <summary>Reports every invalid <c>Proxy:</c> setting at once, at startup.</summary>
public sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions o)
    {
        var errors = new List<string>();
        for (var i = 0; i < o.Gateways.Count; i++)
        {
            var address = ProxyOptions.AddressOf(o.Gateways[i].Trim());
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
            {
                errors.Add($"{ProxyOptions.Section}:Gateways:{i}: '{o.Gateways[i]}' is neither a service name nor an http(s)://host[:port] URL.");
            }
        }

        if (o.DnsRefreshSeconds is < 1 or > 3600)
        {
            errors.Add($"{ProxyOptions.Section}:DnsRefreshSeconds: {o.DnsRefreshSeconds} must be from 1 to 3600.");
        }

        if (o.ForwardedFor is not (ForwardedTransformActions.Set or ForwardedTransformActions.Append))
        {
            errors.Add($"{ProxyOptions.Section}:ForwardedFor: '{o.ForwardedFor}' must be Set or Append.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
