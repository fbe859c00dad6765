namespace CertStream.Gateway.Fanout;

/// <summary>How a client is connected; a metric label.</summary>
public enum TransportProtocol
{
    WebSocket = 0,
    Sse = 1,
    Tcp = 2,
}

internal static class TransportProtocols
{
    public static readonly TransportProtocol[] All = [TransportProtocol.WebSocket, TransportProtocol.Sse, TransportProtocol.Tcp];

    public static string Name(TransportProtocol protocol) => protocol switch
    {
        TransportProtocol.Sse => "sse",
        TransportProtocol.Tcp => "tcp",
        _ => "websocket",
    };
}
