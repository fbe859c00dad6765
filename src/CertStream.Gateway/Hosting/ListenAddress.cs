using System.Net;
using CertStream.ServiceDefaults.Configuration;

namespace CertStream.Gateway.Hosting;

/// <summary>The <c>host</c> setting as an address to listen on.</summary>
internal static class ListenAddress
{
    /// <summary><c>0.0.0.0</c>/<c>*</c>/<c>+</c>: all IPv4; <c>::</c>: all (dual-stack); <c>localhost</c>: loopback; else an IP literal.</summary>
    public static IPAddress Parse(string host) => host.Trim() switch
    {
        "" or "*" or "+" or "0.0.0.0" => IPAddress.Any,
        "::" or "[::]" => IPAddress.IPv6Any,
        var h when h.Equals("localhost", StringComparison.OrdinalIgnoreCase) => IPAddress.Loopback,
        var h when IPAddress.TryParse(h.Trim('[', ']'), out var ip) => ip,
        var h => throw new InvalidSettingException($"host (CERTSTREAM_HOST): '{h}' is not an IP address, '0.0.0.0', '::' or 'localhost'."),
    };
}
