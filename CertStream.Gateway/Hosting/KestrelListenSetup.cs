using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertStream.Gateway.Options;
using CertStream.ServiceDefaults.Configuration;
using CertStream.ServiceDefaults.Hosting;
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
        if (AspNetCoreAddresses.GivenBy(configuration) is not null)
        {
            return;
        }

        var options = server.Value;
        var address = ListenAddress.Parse(options.Host);
        kestrel.Listen(address, options.Port, listen =>
        {
            if (!string.IsNullOrEmpty(options.TlsCert) && !string.IsNullOrEmpty(options.TlsKey))
            {
                listen.UseHttps(LoadCertificate(options.TlsCert, options.TlsKey));
            }
        });
    }

    /// <summary>The PEM pair of <c>tls_cert</c>/<c>tls_key</c>; one that does not load stops the start naming both.</summary>
    internal static X509Certificate2 LoadCertificate(string certPath, string keyPath)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidSettingException(
                $"tls_cert/tls_key (CERTSTREAM_TLS_CERT/CERTSTREAM_TLS_KEY): '{certPath}' and '{keyPath}' are not a PEM certificate and its private key: {ex.Message}", ex);
        }
    }
}
