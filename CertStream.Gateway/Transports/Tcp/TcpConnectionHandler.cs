using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CertStream.Gateway.Access;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Fanout.Filtering;
using CertStream.Gateway.Telemetry;
using Microsoft.AspNetCore.WebUtilities;

namespace CertStream.Gateway.Transports.Tcp;

/// <summary>
/// One accepted raw TCP connection, in order: the rate limit (per client IP; no X-Forwarded-For on
/// raw TCP); TLS when the listener has a certificate (after the rate limit, before the AUTH line);
/// with <c>auth:enabled</c>, the <c>AUTH &lt;token&gt;</c> line (<see cref="TcpAuthLine"/>); the
/// connection limit; the optional selector byte and options line (<see cref="TcpSelector"/>; it may
/// follow the AUTH line in the same packet), whose filter and resume cursor may be refused; then the stream (<see cref="StreamSession"/>). A refusal is
/// <see cref="TcpRefusal"/>; success sends nothing before the stream.
/// </summary>
internal sealed class TcpConnectionHandler(
    StreamHub hub,
    TokenAuthenticator auth,
    ClientRateLimiter rateLimiter,
    ClusterConnectionLimiter connectionLimiter,
    TcpRefusal refusals,
    TimeProvider time,
    ILogger<TcpStreamListener> logger)
{
    private readonly ConcurrentDictionary<TcpStreamClient, Task> _running = new();

    /// <summary>Asks every client being served to close (the node is stopping) and waits for them.</summary>
    public Task CloseAllAsync()
    {
        foreach (var (client, _) in _running)
        {
            client.RequestClose(DisconnectReason.Shutdown);
        }

        return Task.WhenAll(_running.Values);
    }

    public async Task ServeAsync(Socket socket, X509Certificate2? certificate, CancellationToken stoppingToken)
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
                await refusals.RefuseAsync(socket, stream, ConnectionRefusal.RateLimited, retryAfter);
                return;
            }

            if (certificate is not null)
            {
                stream = await TcpTls.AuthenticateAsync(stream, certificate, time, stoppingToken);
                if (stream is null)
                {
                    return;
                }
            }

            byte[]? digest = null;
            byte[] leftover = [];
            if (auth.Enabled)
            {
                (digest, leftover) = await TcpAuthLine.ReadAsync(stream, auth, time, stoppingToken);
                if (digest is null)
                {
                    await refusals.RefuseAsync(socket, stream, ConnectionRefusal.Unauthorized);
                    return;
                }
            }

            (slot, var refusal) = await connectionLimiter.TryAdmitAsync(peer, stoppingToken);
            if (slot is null)
            {
                await refusals.RefuseAsync(socket, stream, refusal);
                return;
            }

            var (kind, pending, http, query, problem) = await TcpSelector.ReadAsync(stream, leftover, hub.Services.Options.TcpSelectorTimeout, time, stoppingToken);
            if (http)
            {
                await refusals.RefuseAsync(socket, stream, ConnectionRefusal.HttpRequest);
                return;
            }

            if (kind is null)
            {
                return; // the client closed before choosing
            }

            var options = query is null ? null : QueryHelpers.ParseQuery(query);
            StreamFilter? filter = null;
            if (problem is not null || (options is not null && !StreamFilter.TryParse(options, out filter, out problem)))
            {
                await refusals.RefuseFilterAsync(socket, stream, problem!);
                return;
            }

            var resume = ResumeRequest.Default;
            if (options is not null && !ResumeRequest.TryParse(Value(options, "since"), null, Value(options, "notices"), out resume))
            {
                await refusals.RefuseAsync(socket, stream, ConnectionRefusal.BadRequest);
                return;
            }

            var tcpClient = new TcpStreamClient(hub.Topic(kind.Value), socket, stream, hub.Services) { TokenDigest = digest, Filter = filter };
            tcpClient.Apply(resume);
            client = tcpClient;
            await StreamSession.RunAsync(hub, tcpClient, () =>
            {
                var run = tcpClient.RunAsync(pending);
                _running[tcpClient] = run; // awaited on shutdown
                return run;
            }, stoppingToken);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            GatewayLog.ClientFailed(logger, "tcp", RemoteName.Of(socket.RemoteEndPoint), ex);
        }
        finally
        {
            // Whatever ended the connection, the socket is closed (again, harmlessly, after a served client).
            Close(socket, stream);
            if (client is not null)
            {
                _running.TryRemove(client, out _);
            }

            if (slot is not null)
            {
                await slot.DisposeAsync();
            }
        }
    }

    private static void Close(Socket socket, Stream? stream)
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

    private static string? Value(Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query, string key) =>
        query.TryGetValue(key, out var value) ? value.ToString() : null;
}
