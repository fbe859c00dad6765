using CertStream.Ingestor.Options;
using CertStream.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Hosting;

/// <summary>
/// Binds Kestrel to <c>ingestor:host</c>:<c>ingestor:port</c> unless the addresses were given
/// the ASP.NET Core way (<see cref="AspNetCoreAddresses"/>): without this the ingestor took
/// ASP.NET Core's default (localhost:5000), so a second one on the host died on a taken port.
/// </summary>
internal sealed class IngestorListenSetup(IOptions<IngestorHttpOptions> options, IConfiguration configuration) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        if (AspNetCoreAddresses.GivenBy(configuration) is not null)
        {
            return;
        }

        var http = options.Value;
        kestrel.Listen(ListenHost.Parse(http.Host, "ingestor:host (CERTSTREAM_INGESTOR_HOST)"), http.Port);
    }
}
