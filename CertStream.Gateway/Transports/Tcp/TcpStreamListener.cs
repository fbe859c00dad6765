using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CertStream.Gateway.Hosting;
using CertStream.Gateway.Options;
using CertStream.Gateway.Telemetry;
using CertStream.ServiceDefaults.Configuration;
using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Transports.Tcp;

/// <summary>
/// The raw TCP stream on <c>protocols:tcp_port</c> when <c>protocols:tcp</c> is on: binds, accepts
/// and hands each connection to <see cref="TcpConnectionHandler"/> (rate limit, TLS with
/// <c>tls_cert</c>/<c>tls_key</c>, AUTH, connection limit, selector, stream). A plain
/// <see cref="TcpListener"/> rather than a Kestrel endpoint: configuring Kestrel endpoints in code
/// would make it ignore the URLs Aspire passes in ASPNETCORE_URLS (docs/engineering.md §4).
/// </summary>
internal sealed class TcpStreamListener(
    TcpConnectionHandler connections,
    IOptions<ProtocolOptions> protocols,
    IOptions<ServerOptions> server,
    ILogger<TcpStreamListener> logger) : BackgroundService
{
    private TcpListener? _listener;
    private X509Certificate2? _certificate;

    /// <summary>The port actually listened on (useful with <c>tcp_port: 0</c>), or null when TCP is off.</summary>
    public int? Port { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (protocols.Value.Tcp)
        {
            if (!string.IsNullOrEmpty(server.Value.TlsCert) && !string.IsNullOrEmpty(server.Value.TlsKey))
            {
                _certificate = KestrelListenSetup.LoadCertificate(server.Value.TlsCert, server.Value.TlsKey);
            }

            // Bound here, not in ExecuteAsync, so a taken port fails the start loudly.
            var listener = new TcpListener(ListenAddress.Parse(server.Value.Host), protocols.Value.TcpPort);
            if (listener.LocalEndpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                listener.Server.DualMode = true; // "::" serves IPv4 too, as Kestrel does
            }

            try
            {
                listener.Start(backlog: 1024);
            }
            catch (SocketException ex)
            {
                listener.Dispose();
                throw new InvalidSettingException($"protocols:tcp_port (CERTSTREAM_TCP_PORT): cannot listen on {listener.LocalEndpoint}: {ex.Message}", ex);
            }

            _listener = listener;
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            GatewayLog.TcpListenerStarted(logger, listener.LocalEndpoint.ToString() ?? "");
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_listener is not { } listener)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await listener.AcceptSocketAsync(stoppingToken);
                }
                catch (SocketException ex)
                {
                    // A connection reset before it was accepted, or out of descriptors: keep serving.
                    GatewayLog.TcpAcceptFailed(logger, ex);
                    continue;
                }

                _ = connections.ServeAsync(socket, _certificate, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            listener.Stop();
            await connections.CloseAllAsync();
        }
    }
}
