namespace CertStream.Gateway.Options;

/// <summary>
/// Section <c>auth:</c>: token authentication of every stream (WebSocket, SSE, TCP). A client
/// presents one of <c>tokens</c> in the <c>header_name</c> header (<c>Bearer &lt;token&gt;</c>, or
/// the bare token), as <c>?token=</c> on the URL (browsers cannot set WebSocket headers), or on TCP
/// as a first line <c>AUTH &lt;token&gt;</c>. Hot reload may change every field.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "auth";

    [ConfigurationKeyName("enabled")] public bool Enabled { get; init; }

    [ConfigurationKeyName("tokens")] public List<string> Tokens { get; init; } = [];

    [ConfigurationKeyName("header_name")] public string HeaderName { get; init; } = "Authorization";

    /// <summary>Whether <c>/metrics</c> needs a token too (off: Prometheus scrapes without one). <c>/health</c> never does.</summary>
    [ConfigurationKeyName("protect_metrics")] public bool ProtectMetrics { get; init; }

    /// <summary>How long a TCP client has, after connecting, to send its <c>AUTH &lt;token&gt;</c> line.</summary>
    [ConfigurationKeyName("tcp_timeout_ms")] public int TcpTimeoutMs { get; init; } = 5000;

    public TimeSpan TcpTimeout => TimeSpan.FromMilliseconds(TcpTimeoutMs);
}
