using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace CertStream.Gateway.Transports.Tcp;

/// <summary>The server side of TLS on the raw TCP port (<c>tls_cert</c>/<c>tls_key</c>), TLS 1.2 or later.</summary>
internal static class TcpTls
{
    /// <summary>A client that has not finished its handshake by then is dropped.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The TLS stream, or null (and <paramref name="inner"/> disposed) when the handshake failed or timed out.</summary>
    public static async Task<Stream?> AuthenticateAsync(Stream inner, X509Certificate2 certificate, TimeProvider time, CancellationToken stoppingToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        using var deadline = new CancellationTokenSource(HandshakeTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, deadline.Token);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            }, linked.Token);
            return ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
        {
            await ssl.DisposeAsync();
            return null;
        }
    }
}
