using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CertStream.Contracts;
using CertStream.Gateway.Access;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Hosting;
using CertStream.Gateway.Options;
using CertStream.Gateway.Telemetry;
using CertStream.ServiceDefaults.Configuration;
using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Transports.Tcp;

/// <summary>
/// The raw TCP stream on <c>protocols:tcp_port</c> when <c>protocols:tcp</c> is on. A plain
/// <see cref="TcpListener"/> rather than a Kestrel endpoint: configuring Kestrel endpoints in code
/// would make it ignore the URLs Aspire passes in ASPNETCORE_URLS (docs/engineering.md §4).
/// The client may send one selector byte within a second: f/F full, d/D domains, anything else
/// lite; an HTTP request gets a 400 response and is closed (<see cref="TcpSelector"/>).
/// In order, on accepting: the rate limit (per client IP; no X-Forwarded-For on raw TCP); with
/// <c>auth:enabled</c>, a first line <c>AUTH &lt;token&gt;</c> ending in LF (CRLF accepted), at most
/// 1 KiB, within <c>auth:tcp_timeout_ms</c> (default 5 s); then the connection limit; then the
/// optional selector byte (it may follow the AUTH line in the same packet). A refusal is one line
/// <c>ERROR &lt;reason&gt;</c> and a close; success sends nothing before the stream. With
/// <c>tls_cert</c>/<c>tls_key</c> the connection is TLS (after the rate limit, before the AUTH line).
/// </summary>
internal sealed class TcpStreamListener(
    StreamHub hub,
    TokenAuthenticator auth,
    ClientRateLimiter rateLimiter,
    ClusterConnectionLimiter connectionLimiter,
    GatewayMetrics metrics,
    IOptions<ProtocolOptions> protocols,
    IOptions<ServerOptions> server,
    TimeProvider time,
    ILogger<TcpStreamListener> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<TcpStreamClient, Task> _connections = new();
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
            GatewayLog.LogInformationTcpListening(logger, listener.LocalEndpoint.ToString() ?? "");
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
                    GatewayLog.LogErrorTcpAcceptFailed(logger, ex);
                    continue;
                }

                _ = ServeAsync(socket, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            listener.Stop();
            foreach (var (client, _) in _connections)
            {
                client.RequestClose(DisconnectReason.Shutdown);
            }

            await Task.WhenAll(_connections.Values);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken stoppingToken)
    {
        TcpStreamClient? client = null;
        ConnectionSlot? slot = null;
        Stream? stream = null;
        try
        {
            socket.NoDelay = true;
            stream = new NetworkStream(socket, ownsSocket: true);
            var peer = socket.RemoteEndPoint is IPEndPoint endPoint ? ClientAddress.Normalize(endPoint.Address) : IPAddress.None;
            if (!rateLimiter.TryAcquire(peer, out var retryAfter))
            {
                // Refused before the TLS handshake: the line goes out in clear, which a TLS client reports as a handshake failure.
                await RefuseAsync(socket, stream, ConnectionRefusal.RateLimited, $"ERROR rate limited; retry after {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s\n");
                return;
            }

            if (_certificate is not null)
            {
                stream = await TcpTls.AuthenticateAsync(stream, _certificate, time, stoppingToken);
                if (stream is null)
                {
                    return;
                }
            }

            byte[]? digest = null;
            var leftover = -1;
            if (auth.Enabled)
            {
                (digest, leftover) = await TcpAuthLine.ReadAsync(stream, auth, time, stoppingToken);
                if (digest is null)
                {
                    await RefuseAsync(socket, stream, ConnectionRefusal.Unauthorized, "ERROR unauthorized: send 'AUTH <token>' as the first line\n");
                    return;
                }
            }

            (slot, var refusal) = await connectionLimiter.TryAdmitAsync(peer, stoppingToken);
            if (slot is null)
            {
                await RefuseAsync(socket, stream, refusal, refusal == ConnectionRefusal.PerIpLimit ? "ERROR too many connections from this address\n" : "ERROR server at its connection limit\n");
                return;
            }

            var (kind, pending, http) = leftover >= 0 ? (StreamNames.FromSelector((byte)leftover), null, false) : await ReadSelectorAsync(stream, stoppingToken);
            if (http)
            {
                await RefuseAsync(socket, stream, ConnectionRefusal.HttpRequest, TcpSelector.HttpResponse);
                return;
            }

            if (kind is null)
            {
                return; // the client closed before choosing
            }

            var tcpClient = new TcpStreamClient(hub.Topic(kind.Value), socket, stream, hub.Services) { TokenDigest = digest };
            client = tcpClient;
            await StreamSession.RunAsync(hub, tcpClient, () =>
            {
                var run = tcpClient.RunAsync(pending);
                _connections[tcpClient] = run; // awaited on shutdown
                return run;
            }, stoppingToken);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            GatewayLog.LogErrorClientFailed(logger, "tcp", RemoteName.Of(socket.RemoteEndPoint), ex);
        }
        finally
        {
            // Whatever path ended the connection, the socket is closed (again, harmlessly, after a refusal or a served client).
            Dispose(socket, stream);
            if (client is not null)
            {
                _connections.TryRemove(client, out _);
            }

            if (slot is not null)
            {
                await slot.DisposeAsync();
            }
        }
    }

    private static void Dispose(Socket socket, Stream? stream)
    {
        try
        {
            stream?.Dispose();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }

    /// <summary>
    /// Waits up to the selector timeout for the first bytes (see <see cref="TcpSelector"/>). Null
    /// kind: the client closed, or (Http) sent an HTTP request. The read is not cancelled on
    /// timeout (that may break the connection); it is handed on instead.
    /// </summary>
    private async Task<(StreamKind? Kind, Task<int>? Pending, bool Http)> ReadSelectorAsync(Stream stream, CancellationToken stoppingToken)
    {
        var buffer = new byte[TcpSelector.ReadSize];
        var receive = stream.ReadAsync(buffer, 0, buffer.Length, CancellationToken.None);
        try
        {
            await receive.WaitAsync(hub.Services.Options.TcpSelectorTimeout, time, stoppingToken);
        }
        catch (TimeoutException)
        {
            return (StreamKind.Lite, receive, false);
        }

        var read = await receive;
        if (read == 0)
        {
            return (null, null, false);
        }

        return TcpSelector.IsHttpRequest(buffer.AsSpan(0, read)) ? (null, null, true) : (StreamNames.FromSelector(buffer[0]), null, false);
    }

    /// <summary>
    /// Writes the error line and closes. What the client already sent is drained first (briefly):
    /// closing with unread data would reset the connection and the client might never see the line.
    /// </summary>
    private async Task RefuseAsync(Socket socket, Stream stream, ConnectionRefusal refusal, string line)
    {
        var reason = ConnectionRefusals.Name(refusal);
        metrics.Refused("tcp", reason);
        GatewayLog.LogDebugRefused(logger, "tcp", RemoteName.Of(socket.RemoteEndPoint), reason);
        try
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(line));
            await stream.FlushAsync();
            if (stream is System.Net.Security.SslStream ssl)
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
        finally
        {
            Dispose(socket, stream);
        }
    }
}
