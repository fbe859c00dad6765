using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using CertStream.Gateway.Access;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Telemetry;

namespace CertStream.Gateway.Transports.Tcp;

/// <summary>
/// How the raw TCP port turns a client away: one line <c>ERROR &lt;reason&gt;</c> (an HTTP request:
/// a 400 response, <see cref="TcpSelector.HttpResponse"/>), counted and logged like every refusal,
/// then a close. Logged under the listener's category, as refusals always were, so log filters keep working.
/// </summary>
internal sealed class TcpRefusal(GatewayMetrics metrics, TimeProvider time, ILogger<TcpStreamListener> logger)
{
    /// <summary>What the client reads for <paramref name="refusal"/>.</summary>
    public static string Line(ConnectionRefusal refusal, TimeSpan retryAfter = default) => refusal switch
    {
        ConnectionRefusal.RateLimited => string.Create(CultureInfo.InvariantCulture, $"ERROR rate limited; retry after {ConnectionRefusals.RetryAfterSeconds(retryAfter)} s\n"),
        ConnectionRefusal.Unauthorized => "ERROR unauthorized: send 'AUTH <token>' as the first line\n",
        ConnectionRefusal.PerIpLimit => "ERROR too many connections from this address\n",
        ConnectionRefusal.HttpRequest => TcpSelector.HttpResponse,
        ConnectionRefusal.BadRequest => "ERROR bad request: " + ResumeRequest.Usage + "\n",
        _ => "ERROR server at its connection limit\n",
    };

    /// <summary>
    /// Writes the line and shuts the sending side. What the client already sent is drained first
    /// (briefly): closing with unread data would reset the connection and the client might never
    /// see the line. The caller closes the socket.
    /// </summary>
    public Task RefuseAsync(Socket socket, Stream stream, ConnectionRefusal refusal, TimeSpan retryAfter = default) =>
        RefuseAsync(socket, stream, refusal, Line(refusal, retryAfter));

    /// <summary>An invalid filter on the selector line: <c>ERROR bad filter: &lt;what is wrong&gt;</c>.</summary>
    public Task RefuseFilterAsync(Socket socket, Stream stream, string problem) =>
        RefuseAsync(socket, stream, ConnectionRefusal.BadFilter, $"ERROR bad filter: {problem}\n");

    private async Task RefuseAsync(Socket socket, Stream stream, ConnectionRefusal refusal, string line)
    {
        ConnectionRefusals.Record(metrics, logger, "tcp", RemoteName.Of(socket.RemoteEndPoint), refusal);
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(line));
            await stream.FlushAsync();
            if (stream is SslStream ssl)
            {
                await ssl.ShutdownAsync();
            }

            socket.Shutdown(SocketShutdown.Send);
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(1), time);
            var buffer = new byte[512];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, drain.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
