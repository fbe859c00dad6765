using System.Net;
using CertStream.Gateway.Access;
using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Options;

/// <summary>
/// Top-level <c>trusted_proxies</c> (env <c>CERTSTREAM_TRUSTED_PROXIES</c>, comma-separated): the
/// IPs and CIDR ranges of reverse proxies whose <c>X-Forwarded-For</c> is believed.
/// </summary>
public sealed class ClientAddressOptions
{
    [ConfigurationKeyName("trusted_proxies")] public List<string> TrustedProxies { get; init; } = [];

    /// <summary>The entries as networks (a bare IP is a /32 or /128). Throws on an invalid entry (the validator reports those first).</summary>
    public IReadOnlyList<IPNetwork> ParseNetworks() => [.. TrustedProxies.Select(e => TryParse(e, out var n) ? n : throw new FormatException($"trusted_proxies: '{e}' is not an IP or CIDR."))];

    public static bool TryParse(string entry, out IPNetwork network)
    {
        entry = entry.Trim();
        if (IPAddress.TryParse(entry, out var ip))
        {
            ip = ClientAddress.Normalize(ip);
            network = new IPNetwork(ip, ip.GetAddressBytes().Length * 8);
            return true;
        }

        return IPNetwork.TryParse(entry, out network);
    }
}

public sealed class ClientAddressOptionsValidator : IValidateOptions<ClientAddressOptions>
{
    public ValidateOptionsResult Validate(string? name, ClientAddressOptions o)
    {
        var errors = new List<string>();
        for (var i = 0; i < o.TrustedProxies.Count; i++)
        {
            if (!ClientAddressOptions.TryParse(o.TrustedProxies[i], out _))
            {
                errors.Add($"trusted_proxies:{i} (CERTSTREAM_TRUSTED_PROXIES): '{o.TrustedProxies[i]}' is not an IP address or CIDR range (e.g. 10.0.0.0/8).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
