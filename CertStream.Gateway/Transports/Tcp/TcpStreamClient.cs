using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using CertStream.Gateway.Fanout;

namespace CertStream.Gateway.Transports.Tcp;

/// <summary>
/// A raw TCP client: newline-delimited JSON, one write per batch. The stream is the socket's
/// <see cref="NetworkStream"/>, or an <see cref="System.Net.Security.SslStream"/> over it with <c>tls_cert</c>.
/// </summary>
internal sealed class TcpStreamClient : ClientConnection
{
    private static readonly byte[] Newline = "\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PooledBufferWriter _output = new();
    private readonly CancellationTokenSource _closing = new();

    public TcpStreamClient(StreamTopic topic, Socket socket, Stream stream, ClientServices services)
        : base(topic, TransportProtocol.Tcp, RemoteName.Of(socket.RemoteEndPoint), services)
    {
        _socket = socket;
        _stream = stream;
    }

    /// <summary>
    /// Serves the client until either side closes. <paramref name="pendingReceive"/> is a receive
    /// still outstanding from the selector phase (or null); whatever it brings is ignored.
    /// </summary>
    public async Task RunAsync(Task<int>? pendingReceive)
    {
        var receiving = ReceiveLoopAsync(pendingReceive);
        await RunSendLoopAsync();
        await receiving;
        _closing.Dispose();
    }

    protected override void WriteMessage(ReadOnlySpan<byte> json) => WriteLine(_output, [], json, Newline);

    protected override ValueTask<bool> FlushAsync()
    {
        ValueTask send;
        try
        {
            send = _stream.WriteAsync(_output.WrittenMemory, _closing.Token);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            _output.Reset();
            return new ValueTask<bool>(false);
        }

        if (send.IsCompletedSuccessfully)
        {
            _output.Reset();
            return new ValueTask<bool>(true);
        }

        return SendRestAsync(send);
    }

    // A pending write: the client is behind (or gone).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> SendRestAsync(ValueTask send)
    {
        try
        {
            await send;
            return true;
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            return false;
        }
        finally
        {
            _output.Reset();
        }
    }

    protected override void OnCloseRequested(DisconnectReason reason)
    {
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    protected override void Abort() => _socket.Close();

    /// <summary>
    /// A client closed for not reading (slow_client, write_stall) gets a reset: a line naming the
    /// reason would break parsers of the JSON-lines stream and sit behind a full buffer anyway,
    /// and the reset tells the client the stream broke (where a FIN looks like a clean end) and
    /// frees the kernel's send buffer at once instead of holding it for a peer that does not read.
    /// Other server-side closes end with a FIN after what was sent.
    /// </summary>
    protected override Task CloseTransportAsync(DisconnectReason reason)
    {
        _output.Reset();
        try
        {
            if (reason is DisconnectReason.SlowClient or DisconnectReason.WriteStall)
            {
                _socket.LingerState = new LingerOption(enable: true, seconds: 0);
            }
            else
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        _socket.Close();
        _stream.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Reads and ignores whatever the client sends, to notice when it goes away.</summary>
    private async Task ReceiveLoopAsync(Task<int>? pendingReceive)
    {
        byte[]? buffer = null;
        try
        {
            if (pendingReceive is not null && await pendingReceive == 0)
            {
                RequestClose(DisconnectReason.ClientClosed);
                return;
            }

            while (!IsClosing)
            {
                // Zero-byte read first: an idle client holds no buffer (docs/engineering.md §1; SslStream supports it too).
                _ = await _stream.ReadAsync(Memory<byte>.Empty);
                buffer = ArrayPool<byte>.Shared.Rent(512);
                var read = await _stream.ReadAsync(buffer);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
                if (read == 0)
                {
                    RequestClose(DisconnectReason.ClientClosed);
                    return;
                }

                MarkReceived();
            }
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            RequestClose(DisconnectReason.ClientClosed);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
