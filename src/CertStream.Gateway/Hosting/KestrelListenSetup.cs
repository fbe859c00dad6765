using CertStream.Gateway.Options;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Hosting;

/// <summary>
/// Sets Kestrel's output buffer limit and binds Kestrel to <c>host</c>:<c>port</c> (with <c>tls_cert</c>/<c>tls_key</c> when set) unless
/// the addresses were given the ASP.NET Core way (ASPNETCORE_URLS, --urls, ASPNETCORE_HTTP_PORTS,
/// a Kestrel:Endpoints section), as Aspire does: those win, untouched.
/// </summary>
internal sealed class KestrelListenSetup(IOptions<ServerOptions> server, IConfiguration configuration) : IConfigureOptions<KestrelServerOptions>
{
    /// <summary>
    /// Kestrel's per-connection output buffer before a write waits (default 64 KiB). Halved: it is
    /// what a stalled client pins in pooled memory, on top of its 16 KiB batch.
    /// </summary>
    private const int MaxResponseBufferSize = 32 * 1024;

    public void Configure(KestrelServerOptions kestrel)
    {
        kestrel.Limits.MaxResponseBufferSize = MaxResponseBufferSize;
        if (AddressesGivenElsewhere(configuration))
        {
            return;
        }

        var options = server.Value;
        var address = ListenAddress.Parse(options.Host);
        kestrel.Listen(address, options.Port, listen =>
        {
            if (!string.IsNullOrEmpty(options.TlsCert) && !string.IsNullOrEmpty(options.TlsKey))
            {
                listen.UseHttps(X509Certificate2.CreateFromPemFile(options.TlsCert, options.TlsKey));
            }
        });
    }

    private static bool AddressesGivenElsewhere(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["urls"])
        || !string.IsNullOrWhiteSpace(configuration["http_ports"])
        || !string.IsNullOrWhiteSpace(configuration["https_ports"])
        || configuration.GetSection("Kestrel:Endpoints").Exists();
}
