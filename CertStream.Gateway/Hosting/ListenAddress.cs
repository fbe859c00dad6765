using System.Net;
using CertStream.ServiceDefaults.Hosting;

namespace CertStream.Gateway.Hosting;

/// <summary>The <c>host</c> setting as an address to listen on.</summary>
internal static class ListenAddress
{
    /// <summary>See <see cref="ListenHost.TryParse"/>; an invalid host stops the start naming <c>host</c>.</summary>
    public static IPAddress Parse(string host) => ListenHost.Parse(host, "host (CERTSTREAM_HOST)");
}
