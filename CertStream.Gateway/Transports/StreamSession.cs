using CertStream.Contracts;
using CertStream.Gateway.Access;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Fanout.Filtering;
using CertStream.Gateway.Telemetry;

namespace CertStream.Gateway.Transports;

/// <summary>
/// A stream connection's life once its transport knows which stream the client wants: admit
/// (connection limit), register with the hub, run, unregister, give the slot back. One path for
/// every transport; each keeps only its framing (handshake, refusal format, writes).
/// </summary>
internal static class StreamSession
{
    /// <summary>
    /// Registers <paramref name="client"/>, runs it and unregisters it. False, with nothing run, when
    /// the hub refused it (the node is stopping). A transport failure or a cancellation while running
    /// is the client going away.
    /// </summary>
    public static async Task<bool> RunAsync(StreamHub hub, ClientConnection client, Func<Task> run, CancellationToken cancellationToken)
    {
        if (!await hub.RegisterAsync(client, cancellationToken))
        {
            return false;
        }

        try
        {
            await run();
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            client.RequestClose(DisconnectReason.ClientClosed);
        }
        finally
        {
            await hub.UnregisterAsync(client);
        }

        return true;
    }

    /// <summary>
    /// The filter of a stream request's query (<c>match</c>, <c>issuer</c>, <c>dedup</c>, <c>events</c>;
    /// <see cref="StreamFilter"/>): false, with a 400 naming the problem written, when it is invalid.
    /// </summary>
    public static async Task<(bool Valid, StreamFilter? Filter)> ParseFilterAsync(HttpContext context)
    {
        if (StreamFilter.TryParse(context.Request.Query, out var filter, out var error))
        {
            return (true, filter);
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync($"Bad filter: {error}.\n");
        return (false, null);
    }

    /// <summary>
    /// An HTTP stream (WebSocket, SSE): the query's filter (400 when invalid), its <c>since</c>/<c>Last-Event-ID</c>/
    /// <c>notices</c> (400 when malformed), the connection limit (<see cref="StreamAdmission"/> writes the 429/503),
    /// then <see cref="RunAsync"/> with the client <paramref name="create"/> makes (given its topic, the hub's
    /// services, the token digest and the filter); 503 when the node is stopping.
    /// </summary>
    public static async Task RunHttpAsync<TClient>(
        HttpContext context,
        TransportProtocol protocol,
        StreamKind kind,
        Func<StreamTopic, ClientServices, byte[]?, StreamFilter?, TClient> create,
        Func<TClient, Task> run)
        where TClient : ClientConnection
    {
        var (valid, filter) = await ParseFilterAsync(context);
        if (!valid)
        {
            return;
        }

        var request = context.Request;
        if (!ResumeRequest.TryParse(request.Query["since"], request.Headers["Last-Event-ID"], request.Query["notices"], out var resume))
        {
            await RefuseBadRequestAsync(context, TransportProtocols.Name(protocol));
            return;
        }

        await using var slot = await StreamAdmission.AdmitAsync(context, TransportProtocols.Name(protocol));
        if (slot is null)
        {
            return;
        }

        var hub = context.RequestServices.GetRequiredService<StreamHub>();
        StreamingRequest.DisableDataRateLimits(context);
        var client = create(hub.Topic(kind), hub.Services, context.Features.Get<AuthenticatedToken>()?.Digest, filter);
        client.Apply(resume);
        if (!await RunAsync(hub, client, () => run(client), context.RequestAborted))
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        }
    }

    /// <summary>The 400 an HTTP stream request with a malformed <c>since</c>, <c>Last-Event-ID</c> or <c>notices</c> gets; counted and logged as a refusal.</summary>
    private static async Task RefuseBadRequestAsync(HttpContext context, string protocol)
    {
        var services = context.RequestServices;
        ConnectionRefusals.Record(services.GetRequiredService<GatewayMetrics>(), services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StreamSession)),
            protocol, RemoteName.Of(context), ConnectionRefusal.BadRequest);
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await context.Response.WriteAsync("Bad request: " + ResumeRequest.Usage + ".\n");
    }
}
