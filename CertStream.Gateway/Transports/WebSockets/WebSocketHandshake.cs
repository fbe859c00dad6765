using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace CertStream.Gateway.Transports.WebSockets;

/// <summary>The server side of the RFC 6455 §4.2 opening handshake over HTTP/1.1.</summary>
internal static class WebSocketHandshake
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>A GET asking to upgrade to websocket; anything else on a stream path gets the info page.</summary>
    public static bool IsWebSocketRequest(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && ContainsToken(request.Headers.Upgrade, "websocket");

    /// <summary>Checks the handshake; returns the <c>Sec-WebSocket-Accept</c> value, or null with the problem.</summary>
    public static string? Validate(HttpRequest request, out string problem)
    {
        problem = "";
        if (!ContainsToken(request.Headers.Connection, "upgrade"))
        {
            problem = "Connection header lacks 'upgrade'";
            return null;
        }

        if (request.Headers.SecWebSocketVersion.ToString() != "13")
        {
            problem = "Sec-WebSocket-Version must be 13";
            return null;
        }

        var key = request.Headers.SecWebSocketKey.ToString().Trim();
        Span<byte> decoded = stackalloc byte[24];
        if (!Convert.TryFromBase64String(key, decoded, out var length) || length != 16)
        {
            problem = "Sec-WebSocket-Key must be 16 bytes in base64";
            return null;
        }

        return Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
    }

    private static bool ContainsToken(StringValues values, string token)
    {
        foreach (var value in values)
        {
            foreach (var part in (value ?? "").Split(','))
            {
                if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
