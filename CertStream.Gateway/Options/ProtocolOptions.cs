using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Options;

/// <summary>Section <c>protocols:</c>: which transports a gateway serves.</summary>
public sealed class ProtocolOptions
{
    public const string Section = "protocols";

    [ConfigurationKeyName("websocket")] public bool WebSocket { get; init; } = true;
    [ConfigurationKeyName("sse")] public bool Sse { get; init; }
    [ConfigurationKeyName("tcp")] public bool Tcp { get; init; }
    [ConfigurationKeyName("tcp_port")] public int TcpPort { get; init; } = 8081;
}

public sealed class ProtocolOptionsValidator : IValidateOptions<ProtocolOptions>
{
    public ValidateOptionsResult Validate(string? name, ProtocolOptions o) =>
        o.TcpPort is < 0 or > 65535
            ? ValidateOptionsResult.Fail($"protocols:tcp_port (CERTSTREAM_TCP_PORT): {o.TcpPort} is not a TCP port (0-65535).")
            : ValidateOptionsResult.Success;
}
