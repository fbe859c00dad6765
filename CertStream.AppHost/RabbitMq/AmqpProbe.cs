using System.Net.Sockets;

namespace CertStream.AppHost.RabbitMq;

/// <summary>Health probe for a local RabbitMQ: after the AMQP 0-9-1 header the node must answer with a method frame.</summary>
internal static class AmqpProbe
{
    public static async Task<bool> AnswersAsync(Uri amqp, CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(amqp.Host, amqp.Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("AMQP\0\0\x09\x01"u8.ToArray(), timeout.Token);
            var buffer = new byte[8];
            return await stream.ReadAsync(buffer, timeout.Token) > 0 && buffer[0] == 1;
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }
}
