using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Options;

/// <summary>
/// Section <c>connection_limit:</c>: stream connections allowed across all gateway nodes that
/// share the Redis, in total and per client IP. Counts live in Redis; a node that dies stops
/// counting within <c>node_ttl_secs</c>. Hot reload may change the limits (open connections stay).
/// </summary>
public sealed class ConnectionLimitOptions
{
    public const string Section = "connection_limit";

    [ConfigurationKeyName("enabled")] public bool Enabled { get; init; }

    [ConfigurationKeyName("max_connections")] public int MaxConnections { get; init; } = 10000;

    /// <summary>0: no per-IP limit.</summary>
    [ConfigurationKeyName("per_ip_limit")] public int PerIpLimit { get; init; } = 100;

    /// <summary>A node's counts expire this long after its last heartbeat (sent every third of it).</summary>
    [ConfigurationKeyName("node_ttl_secs")] public double NodeTtlSecs { get; init; } = 15;

    public TimeSpan NodeTtl => TimeSpan.FromSeconds(NodeTtlSecs);
}

public sealed class ConnectionLimitOptionsValidator : IValidateOptions<ConnectionLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, ConnectionLimitOptions o)
    {
        var errors = new List<string>();
        if (o.MaxConnections < 1)
        {
            errors.Add($"connection_limit:max_connections (CERTSTREAM_CONNECTION_LIMIT_MAX_CONNECTIONS): {o.MaxConnections} must be at least 1.");
        }

        if (o.PerIpLimit < 0)
        {
            errors.Add($"connection_limit:per_ip_limit (CERTSTREAM_CONNECTION_LIMIT_PER_IP_LIMIT): {o.PerIpLimit} must be 0 (no limit) or more.");
        }

        if (o.PerIpLimit > o.MaxConnections)
        {
            errors.Add($"connection_limit:per_ip_limit ({o.PerIpLimit}) must not exceed connection_limit:max_connections ({o.MaxConnections}).");
        }

        if (!(o.NodeTtlSecs >= 1))
        {
            errors.Add($"connection_limit:node_ttl_secs: {o.NodeTtlSecs} must be at least 1.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
