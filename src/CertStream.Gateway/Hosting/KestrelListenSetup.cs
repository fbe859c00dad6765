using System.Security.Cryptography.X509Certificates;
using CertStream.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Hosting;

/// <summary>
/// Binds Kestrel to <c>host</c>:<c>port</c> (with <c>tls_cert</c>/<c>tls_key</c> when set) unless
/// the addresses were given the ASP.NET Core way (ASPNETCORE_URLS, --urls, ASPNETCORE_HTTP_PORTS,
/// a Kestrel:Endpoints section), as Aspire does: those win, untouched.
/// </summary>
internal sealed class KestrelListenSetup(IOptions<ServerOptions> server, IConfiguration configuration) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
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
