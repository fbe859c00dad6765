using System.Net;

namespace CertStream.Gateway.Transports;

/// <summary>The peer's address as logs show it.</summary>
internal static class RemoteName
{
    public static string Of(HttpContext context) => Of(context.Connection.RemoteIpAddress, context.Connection.RemotePort);

    public static string Of(EndPoint? endPoint) => endPoint is IPEndPoint ip ? Of(ip.Address, ip.Port) : endPoint?.ToString() ?? "?";

    private static string Of(IPAddress? address, int port) => address is null ? "?" : new IPEndPoint(address, port).ToString();
}
