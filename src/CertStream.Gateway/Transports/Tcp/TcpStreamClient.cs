using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using CertStream.Gateway.Fanout;

namespace CertStream.Gateway.Transports.Tcp;

/// <summary>A raw TCP client: newline-delimited JSON, one socket send per batch.</summary>
internal sealed class TcpStreamClient : ClientConnection
{
    private static readonly byte[] Newline = "\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly PooledBufferWriter _output = new();
    private readonly CancellationTokenSource _closing = new();

    public TcpStreamClient(StreamTopic topic, Socket socket, ClientServices services)
        : base(topic, TransportProtocol.Tcp, RemoteName.Of(socket.RemoteEndPoint), services)
    {
        _socket = socket;
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
        var send = _socket.SendAsync(_output.WrittenMemory, SocketFlags.None, _closing.Token);
        if (send.IsCompletedSuccessfully && send.Result == _output.WrittenCount)
        {
            _output.Reset();
            return new ValueTask<bool>(true);
        }

        return SendRestAsync(send);
    }

    // A partial or pending send: the client is behind (or gone).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> SendRestAsync(ValueTask<int> send)
    {
        try
        {
            var sent = await send;
            while (sent < _output.WrittenCount)
            {
                var more = await _socket.SendAsync(_output.WrittenMemory[sent..], SocketFlags.None, _closing.Token);
                if (more == 0)
                {
                    return false;
                }

                sent += more;
            }

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

    protected override Task CloseTransportAsync(DisconnectReason reason)
    {
        _output.Reset();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _socket.Close();
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
                // Zero-byte receive first: an idle client holds no buffer (style.md §13).
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                buffer = ArrayPool<byte>.Shared.Rent(512);
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None);
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
