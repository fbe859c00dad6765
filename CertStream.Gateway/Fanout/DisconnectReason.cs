namespace CertStream.Gateway.Fanout;

/// <summary>Why a connection ended; a metric label and, for WebSockets, the close frame sent.</summary>
public enum DisconnectReason
{
    None = 0,

    /// <summary>The client closed the connection (close frame, FIN or reset).</summary>
    ClientClosed,

    /// <summary>The node is stopping.</summary>
    Shutdown,

    /// <summary>The client lost messages and had not caught up when the slow-client grace period after its first loss ended.</summary>
    SlowClient,

    /// <summary>Nothing came back from a WebSocket peer (not even a pong) for the dead-peer timeout.</summary>
    DeadPeer,

    /// <summary>A write did not complete within the dead-peer timeout.</summary>
    WriteStall,

    /// <summary>The client broke the WebSocket protocol.</summary>
    ProtocolError,

    /// <summary>The client sent a message larger than the inbound cap.</summary>
    MessageTooBig,

    /// <summary>An unexpected server-side error.</summary>
    Error,

    /// <summary>The token the client authenticated with was removed from <c>auth:tokens</c> (hot reload).</summary>
    TokenRevoked,
}

internal static class DisconnectReasons
{
    public static string Name(DisconnectReason reason) => reason switch
    {
        DisconnectReason.ClientClosed => "client_closed",
        DisconnectReason.Shutdown => "shutdown",
        DisconnectReason.SlowClient => "slow_client",
        DisconnectReason.DeadPeer => "dead_peer",
        DisconnectReason.WriteStall => "write_stall",
        DisconnectReason.ProtocolError => "protocol_error",
        DisconnectReason.MessageTooBig => "message_too_big",
        DisconnectReason.Error => "error",
        DisconnectReason.TokenRevoked => "token_revoked",
        _ => "none",
    };

    /// <summary>What the client is told when the server ends its connection (WebSocket close frame, SSE comment).</summary>
    public static string Describe(DisconnectReason reason, long dropped) => reason switch
    {
        DisconnectReason.Shutdown => "server shutting down",
        DisconnectReason.SlowClient => $"client too slow: {dropped} messages dropped",
        DisconnectReason.DeadPeer => "no reply to pings",
        DisconnectReason.WriteStall => "client stopped reading",
        DisconnectReason.ProtocolError => "protocol error",
        DisconnectReason.TokenRevoked => "token revoked",
        DisconnectReason.MessageTooBig => "message too big",
        _ => "internal error",
    };
}
