using System.Net;
using CertStream.ServiceDefaults.Configuration;

namespace CertStream.ServiceDefaults.Hosting;

/// <summary>A <c>host</c>-style setting as an address to listen on.</summary>
public static class ListenHost
{
    /// <summary><c>0.0.0.0</c>/<c>*</c>/<c>+</c>: all IPv4; <c>::</c>: all (dual-stack); <c>localhost</c>: loopback; else an IP literal.</summary>
    public static bool TryParse(string? host, out IPAddress address)
    {
        address = (host ?? "").Trim() switch
        {
            "" or "*" or "+" or "0.0.0.0" => IPAddress.Any,
            "::" or "[::]" => IPAddress.IPv6Any,
            var h when h.Equals("localhost", StringComparison.OrdinalIgnoreCase) => IPAddress.Loopback,
            var h when IPAddress.TryParse(h.Trim('[', ']'), out var ip) => ip,
            _ => IPAddress.None,
        };
        return !address.Equals(IPAddress.None);
    }

    /// <summary>Like <see cref="TryParse"/>; anything else stops the start naming <paramref name="key"/>.</summary>
    public static IPAddress Parse(string host, string key) =>
        TryParse(host, out var address) ? address : throw new InvalidSettingException(Problem(host, key));

    public static string Problem(string? host, string key) => $"{key}: '{host}' is not an IP address, '0.0.0.0', '::' or 'localhost'.";
}
