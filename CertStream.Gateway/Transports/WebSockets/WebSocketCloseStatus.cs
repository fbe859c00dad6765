namespace CertStream.Gateway.Transports.WebSockets;

/// <summary>The close codes of RFC 6455 §7.4.1 the gateway uses or checks.</summary>
internal static class WebSocketCloseStatus
{
    public const ushort NormalClosure = 1000;
    public const ushort GoingAway = 1001;
    public const ushort ProtocolError = 1002;
    public const ushort PolicyViolation = 1008;
    public const ushort MessageTooBig = 1009;
    public const ushort InternalError = 1011;

    /// <summary>Whether a peer may send this code in a close frame.</summary>
    public static bool IsValidFromPeer(ushort code) =>
        code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
}
