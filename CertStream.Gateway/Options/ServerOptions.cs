using CertStream.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Options;

/// <summary>
/// The gateway's top-level keys: <c>host</c>, <c>port</c>, <c>buffer_size</c>, <c>tls_cert</c>, <c>tls_key</c>.
/// Only the gateway binds and validates them: an ingestor starts whatever they hold (a TLS file
/// mounted only on gateway pods, say). <c>log_level</c> belongs to every service (LoggingOptions).
/// </summary>
public sealed class ServerOptions
{
    [ConfigurationKeyName("host")] public string Host { get; init; } = "0.0.0.0";
    [ConfigurationKeyName("port")] public int Port { get; init; } = 8080;
    /// <summary>Per-client queue length in messages.</summary>
    [ConfigurationKeyName("buffer_size")] public int BufferSize { get; init; } = 1000;
    [ConfigurationKeyName("tls_cert")] public string? TlsCert { get; init; }
    [ConfigurationKeyName("tls_key")] public string? TlsKey { get; init; }
}

public sealed class ServerOptionsValidator : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions o)
    {
        var errors = new List<string>();
        if (o.Port is < 0 or > 65535)
        {
            errors.Add($"port (CERTSTREAM_PORT): {o.Port} is not a TCP port (0-65535).");
        }

        if (o.BufferSize < 1)
        {
            errors.Add($"buffer_size (CERTSTREAM_BUFFER_SIZE): {o.BufferSize} must be at least 1.");
        }

        if (string.IsNullOrWhiteSpace(o.Host))
        {
            errors.Add("host (CERTSTREAM_HOST): must not be empty.");
        }
        else if (!ListenHost.TryParse(o.Host, out _))
        {
            // Checked here as well as where Kestrel and the TCP listener bind, so that it is reported with the other problems.
            errors.Add(ListenHost.Problem(o.Host, "host (CERTSTREAM_HOST)"));
        }

        if (string.IsNullOrEmpty(o.TlsCert) != string.IsNullOrEmpty(o.TlsKey))
        {
            errors.Add("tls_cert/tls_key (CERTSTREAM_TLS_CERT/CERTSTREAM_TLS_KEY): set both or neither.");
        }

        foreach (var (key, path) in new[] { ("tls_cert (CERTSTREAM_TLS_CERT)", o.TlsCert), ("tls_key (CERTSTREAM_TLS_KEY)", o.TlsKey) })
        {
            if (!string.IsNullOrEmpty(path) && !File.Exists(path))
            {
                errors.Add($"{key}: file '{path}' is not readable.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
