using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CertStream.Contracts;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Hosting;
using CertStream.Gateway.Telemetry;
using CertStream.ServiceDefaults.Configuration;
using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Transports.Tcp;

/// <summary>
/// The raw TCP stream on <c>protocols:tcp_port</c> when <c>protocols:tcp</c> is on. A plain
/// <see cref="TcpListener"/> rather than a Kestrel endpoint: configuring Kestrel endpoints in code
/// would make it ignore the URLs Aspire passes in ASPNETCORE_URLS (stack-notes.md pitfall 2).
/// The client may send one selector byte within a second: f/F full, d/D domains, anything else lite.
/// </summary>
internal sealed class TcpStreamListener(
    StreamHub hub,
    IOptions<ProtocolOptions> protocols,
    IOptions<ServerOptions> server,
    TimeProvider time,
    ILogger<TcpStreamListener> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<TcpStreamClient, Task> _connections = new();
    private TcpListener? _listener;

    /// <summary>The port actually listened on (useful with <c>tcp_port: 0</c>), or null when TCP is off.</summary>
    public int? Port { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (protocols.Value.Tcp)
        {
            // Bound here, not in ExecuteAsync, so a taken port fails the start loudly.
            var listener = new TcpListener(ListenAddress.Parse(server.Value.Host), protocols.Value.TcpPort);
            if (listener.LocalEndpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                listener.Server.DualMode = true; // "::" serves IPv4 too, as Kestrel does
            }

            listener.Start(backlog: 1024);
            _listener = listener;
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            Log.LogInformationTcpListening(logger, listener.LocalEndpoint.ToString() ?? "");
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
                    Log.LogErrorTcpAcceptFailed(logger, ex);
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
        try
        {
            socket.NoDelay = true;
            var (kind, pending) = await ReadSelectorAsync(socket, stoppingToken);
            if (kind is null)
            {
                socket.Dispose();
                return;
            }

            client = new TcpStreamClient(hub.Topic(kind.Value), socket, hub.Services);
            if (!await hub.RegisterAsync(client, stoppingToken))
            {
                socket.Dispose();
                return;
            }

            var run = client.RunAsync(pending);
            _connections[client] = run;
            await run;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            socket.Dispose();
        }
        catch (Exception ex)
        {
            Log.LogErrorClientFailed(logger, "tcp", RemoteName.Of(socket.RemoteEndPoint), ex);
            socket.Dispose();
        }
        finally
        {
            if (client is not null)
            {
                _connections.TryRemove(client, out _);
                await hub.UnregisterAsync(client);
            }
        }
    }

    /// <summary>
    /// Waits up to the selector timeout for the first byte. Null kind: the client closed. The
    /// receive is not cancelled on timeout (that may break the socket); it is handed on instead.
    /// </summary>
    private async Task<(StreamKind? Kind, Task<int>? Pending)> ReadSelectorAsync(Socket socket, CancellationToken stoppingToken)
    {
        var buffer = new byte[1];
        var receive = socket.ReceiveAsync(buffer, SocketFlags.None);
        try
        {
            await receive.WaitAsync(hub.Services.Options.TcpSelectorTimeout, time, stoppingToken);
        }
        catch (TimeoutException)
        {
            return (StreamKind.Lite, receive);
        }

        if (await receive == 0)
        {
            return (null, null);
        }

        var kind = buffer[0] switch
        {
            (byte)'f' or (byte)'F' => StreamKind.Full,
            (byte)'d' or (byte)'D' => StreamKind.Domains,
            _ => StreamKind.Lite,
        };
        return (kind, null);
    }
}
