using System.Net.Sockets;
using System.Text;

namespace CertStream.AppHost.Redis;

/// <summary>Health probe for a local Redis-protocol server: PING must answer +PONG.</summary>
internal static class RedisPing
{
    public static async Task<bool> PingAsync(string hostAndPort, CancellationToken ct)
    {
        var colon = hostAndPort.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(hostAndPort.AsSpan(colon + 1), out var port))
        {
            return false;
        }

        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(hostAndPort[..colon], port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }
}
