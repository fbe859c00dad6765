using Microsoft.Extensions.Configuration;

namespace CertStream.ServiceDefaults.Hosting;

/// <summary>
/// Listen addresses given the ASP.NET Core way (ASPNETCORE_URLS or --urls, ASPNETCORE_HTTP_PORTS,
/// a Kestrel:Endpoints section), as Aspire and Kubernetes manifests do. When present they win
/// over a service's own host/port setting, untouched.
/// </summary>
public static class AspNetCoreAddresses
{
    /// <summary>The setting that gave the addresses, for messages; null when none did.</summary>
    public static string? GivenBy(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["urls"]) ? "urls (ASPNETCORE_URLS)"
        : !string.IsNullOrWhiteSpace(configuration["http_ports"]) ? "http_ports (ASPNETCORE_HTTP_PORTS)"
        : !string.IsNullOrWhiteSpace(configuration["https_ports"]) ? "https_ports (ASPNETCORE_HTTPS_PORTS)"
        : configuration.GetSection("Kestrel:Endpoints").Exists() ? "Kestrel:Endpoints"
        : null;
}
