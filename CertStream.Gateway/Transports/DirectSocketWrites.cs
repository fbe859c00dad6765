using System.Net.Sockets;
using System.Runtime.CompilerServices;
using CertStream.Gateway.Options;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace CertStream.Gateway.Transports;

/// <summary>
/// Sends an upgraded connection's batches straight to its socket, one send per batch, instead of
/// through Kestrel's output pipe. Written by hand because a measurement said so: the pipe costs, per
/// batch, a copy into 4 KiB pool blocks (a metric update each), sendmsg calls of at most 8 of those
/// blocks and the pipe's bookkeeping; sending directly took the gateway from 1.89 to 1.02-1.14 µs
/// of CPU per delivered message at 1,000 WebSocket clients (bench/README.md, "What changed in the
/// gateway's write path").
/// </summary>
/// <remarks>
/// Only where it is safe: the connection's bytes are not transformed on the way (no TLS), and
/// Kestrel has nothing of its own left to send when the first batch goes out. With inline I/O
/// (<c>gateway:inline_io</c>) a flush runs Kestrel's send loop on the flushing thread, so the 101
/// response written by the upgrade is in the kernel's send queue before the upgrade returns, and
/// after it Kestrel writes nothing more until the request ends. A send the socket cannot take at
/// once completes asynchronously (the runtime sends the rest when the socket drains), like a
/// Kestrel write that waits; Kestrel's receive side is untouched. Shared batches are sent without
/// waiting (<see cref="TrySend"/>): the socket is put in non-blocking mode, which only changes the
/// synchronous calls (Kestrel makes none).
/// </remarks>
internal static class DirectSocketWrites
{
    /// <summary>The socket to send to directly, or null: leave the writes to Kestrel.</summary>
    public static Socket? Find(HttpContext context, GatewayOptions options)
    {
        if (!options.DirectWrites || !options.InlineIo || context.Features.Get<ITlsConnectionFeature>() is not null)
        {
            return null;
        }

        return context.Features.Get<IConnectionSocketFeature>()?.Socket;
    }

    /// <summary>Makes synchronous sends on the socket return what the socket took instead of waiting.</summary>
    public static void NeverWait(Socket socket) => socket.Blocking = false;

    /// <summary>Sends what the socket takes now, without waiting (<see cref="NeverWait"/>); returns how many bytes that was.</summary>
    public static int TrySend(Socket socket, ReadOnlySpan<byte> data)
    {
        var sent = socket.Send(data, SocketFlags.None, out var error);
        return error is SocketError.Success or SocketError.WouldBlock ? sent : throw new SocketException((int)error);
    }

    /// <summary>Sends all of <paramref name="data"/>; completes at once when the socket takes it all.</summary>
    public static ValueTask SendAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        var send = socket.SendAsync(data, SocketFlags.None);
        if (send.IsCompletedSuccessfully)
        {
            return ValueTask.CompletedTask;
        }

        return AwaitAsync(send);
    }

    // Only a client that is behind gets here; pooling keeps even that allocation-free.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitAsync(ValueTask<int> send) => await send;
}
