using CertStream.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Options;

/// <summary>
/// Section <c>ingestor:</c>: where the ingestor serves <c>/health</c>, <c>/alive</c> and
/// <c>/metrics</c>. Its own port (8082), not the gateway's (8080, TCP 8081), so both run on one
/// host; several ingestors on one host need one port each. ASP.NET Core's own addresses
/// (ASPNETCORE_URLS, --urls, ASPNETCORE_HTTP_PORTS, as Aspire passes them) win over these.
/// </summary>
public sealed class IngestorHttpOptions
{
    public const string Section = "ingestor";
    public const int DefaultPort = 8082;

    /// <summary>For messages about a port that is taken.</summary>
    public const string ListenSetting = "ingestor:host/ingestor:port (CERTSTREAM_INGESTOR_HOST/CERTSTREAM_INGESTOR_PORT)";

    [ConfigurationKeyName("host")] public string Host { get; init; } = "0.0.0.0";
    [ConfigurationKeyName("port")] public int Port { get; init; } = DefaultPort;
}

public sealed class IngestorHttpOptionsValidator : IValidateOptions<IngestorHttpOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestorHttpOptions o)
    {
        var errors = new List<string>();
        if (o.Port is < 0 or > 65535)
        {
            errors.Add($"ingestor:port (CERTSTREAM_INGESTOR_PORT): {o.Port} is not a TCP port (0-65535).");
        }

        if (!ListenHost.TryParse(o.Host, out _) || string.IsNullOrWhiteSpace(o.Host))
        {
            errors.Add(ListenHost.Problem(o.Host, "ingestor:host (CERTSTREAM_INGESTOR_HOST)"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
