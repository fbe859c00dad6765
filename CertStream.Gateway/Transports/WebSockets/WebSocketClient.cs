using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using CertStream.Gateway.Fanout;

namespace CertStream.Gateway.Transports.WebSockets;

/// <summary>
/// A WebSocket client on Kestrel's upgraded connection. Frames are written by hand into one pooled
/// buffer per batch and handed to the connection in a single write, so a batch of messages costs
/// one flush and one send (the framework's WebSocket flushes every frame, and its keep-alive runs
/// on its own timer rather than the node's clock). The receive loop reads every client frame,
/// answers pings, ends the connection on a close frame and ignores data, which it caps at
/// <c>max_inbound_message_bytes</c>.
/// </summary>
internal sealed class WebSocketClient : ClientConnection
{
    private readonly HttpContext _context;
    private readonly PooledBufferWriter _output = new();
    private readonly int _maxInboundMessage;
    private readonly TaskCompletionSource _peerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _pongGate = new();
    private byte[]? _pongPayload;
    private int _pongLength = -1;
    private PipeReader? _input;
    private Stream? _stream;
    private Socket? _socket;     // batches go straight to the socket (DirectSocketWrites); null: through Kestrel
    private SharedBatch? _sharedBatch; // the next flush's bytes instead of _output, when the send loop took one
    private long _sharedFrom;
    private bool _inMessage;
    private long _messageBytes;
    private volatile bool _peerSentClose;
    private ushort _peerCloseCode;

    /// <summary>A client on <paramref name="context"/>'s connection; <paramref name="direct"/>: the socket to send to directly (<see cref="DirectSocketWrites"/>), or null to write through Kestrel.</summary>
    public WebSocketClient(StreamTopic topic, HttpContext context, ClientServices services, Socket? direct)
        : base(topic, TransportProtocol.WebSocket, RemoteName.Of(context), services)
    {
        _context = context;
        _socket = direct;
        _maxInboundMessage = services.Options.MaxInboundMessageBytes;
    }

    protected override bool TracksPeerLiveness => true;

    /// <summary>Whether batches go straight to the socket rather than through Kestrel's output pipe.</summary>
    internal bool WritesDirect => _socket is not null;

    /// <summary>
    /// Serves the client on the upgraded stream until either side closes; with direct writes the
    /// stream is only read.
    /// </summary>
    public async Task RunAsync(Stream upgraded)
    {
        _stream = upgraded;
        if (_socket is not null)
        {
            DirectSocketWrites.NeverWait(_socket);
        }

        // Zero-byte reads: an idle connection holds no read buffer (docs/engineering.md §1).
        _input = PipeReader.Create(upgraded, new StreamPipeReaderOptions(bufferSize: 1024, minimumReadSize: 256, leaveOpen: true, useZeroByteReads: true));
        using var aborted = _context.RequestAborted.Register(static state => ((WebSocketClient)state!).RequestClose(DisconnectReason.ClientClosed), this);
        var receiving = ReceiveLoopAsync(_input);
        await RunSendLoopAsync();
        _input.CancelPendingRead();
        await receiving;
        await _input.CompleteAsync();
        _output.Reset();
    }

    protected override void WriteMessage(ReadOnlySpan<byte> json) => WebSocketFrames.WriteText(_output, json);

    // Only with direct writes: through Kestrel a shared batch would be copied into the connection's
    // output pipe whole, up to SharedBatch.MaxBytes per stalled client.
    internal override bool TakesSharedBatches => _socket is not null;

    protected override void TakeSharedBatch(SharedBatch batch, long from)
    {
        _sharedBatch = batch;
        _sharedFrom = from;
    }

    protected override void WritePing() => WebSocketFrames.Write(_output, WebSocketFrames.Ping, []);

    protected override bool WritePong()
    {
        lock (_pongGate)
        {
            if (_pongLength < 0)
            {
                return false;
            }

            WebSocketFrames.Write(_output, WebSocketFrames.Pong, _pongPayload.AsSpan(0, _pongLength));
            _pongLength = -1;
            return true;
        }
    }

    protected override ValueTask<bool> FlushAsync()
    {
        if (_sharedBatch is { } batch)
        {
            _sharedBatch = null;
            try
            {
                SendShared(batch);
            }
            finally
            {
                batch.Release();
            }

            if (_output.WrittenCount == 0)
            {
                return new ValueTask<bool>(true);
            }
        }

        try
        {
            var bytes = _output.WrittenMemory;
            var write = _socket is { } socket ? DirectSocketWrites.SendAsync(socket, bytes) : _stream!.WriteAsync(bytes);
            if (write.IsCompletedSuccessfully)
            {
                _output.Reset();
                return new ValueTask<bool>(true);
            }

            return AwaitWriteAsync(write);
        }
        catch
        {
            _output.Reset();
            throw;
        }
    }

    /// <summary>
    /// Sends the shared batch from the client's cursor without waiting. What the socket does not
    /// take goes back to the ring, except the rest of a message it stopped in, which is copied into
    /// the client's own buffer and sent next: the client never holds the shared buffer.
    /// </summary>
    private void SendShared(SharedBatch batch)
    {
        var frames = batch.FramesFrom(_sharedFrom);
        var sent = DirectSocketWrites.TrySend(_socket!, frames.Span);
        if (sent == frames.Length)
        {
            return;
        }

        var (next, remainder) = batch.Unsent(_sharedFrom, sent);
        _output.Write(remainder.Span);
        ReturnUnsent(next, batch.End);
    }

    // Only a client that is behind gets here; pooling keeps even that allocation-free.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AwaitWriteAsync(ValueTask write)
    {
        try
        {
            await write;
            return true;
        }
        finally
        {
            _output.Reset();
        }
    }

    protected override void Abort() => _context.Abort();

    protected override async Task CloseTransportAsync(DisconnectReason reason)
    {
        if (reason == DisconnectReason.ClientClosed)
        {
            if (!_peerSentClose)
            {
                return; // the connection broke: nobody left to answer
            }

            // Echo the peer's close (RFC 6455 §5.5.1).
            WebSocketFrames.WriteClose(_output, _peerCloseCode, null);
            await FlushAsync();
            return;
        }

        var (code, text) = CloseFrameFor(reason);
        WebSocketFrames.WriteClose(_output, code, text);
        await FlushAsync();

        // The peer answers with its own close frame, which ends the receive loop; the close
        // deadline cuts off a peer that does not.
        await _peerDone.Task;
    }

    private (ushort Code, string Text) CloseFrameFor(DisconnectReason reason) => reason switch
    {
        DisconnectReason.Shutdown => (WebSocketCloseStatus.GoingAway, DisconnectReasons.Describe(reason, Dropped)),
        DisconnectReason.SlowClient or DisconnectReason.DeadPeer or DisconnectReason.WriteStall or DisconnectReason.TokenRevoked =>
            (WebSocketCloseStatus.PolicyViolation, DisconnectReasons.Describe(reason, Dropped)),
        DisconnectReason.ProtocolError => (WebSocketCloseStatus.ProtocolError, DisconnectReasons.Describe(reason, Dropped)),
        DisconnectReason.MessageTooBig => (WebSocketCloseStatus.MessageTooBig, $"messages to the server are limited to {_maxInboundMessage} bytes"),
        _ => (WebSocketCloseStatus.InternalError, DisconnectReasons.Describe(reason, Dropped)),
    };

    private async Task ReceiveLoopAsync(PipeReader input)
    {
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    MarkReceived();
                }

                var stop = ProcessFrames(ref buffer);
                input.AdvanceTo(buffer.Start, buffer.End);
                if (stop || result.IsCanceled)
                {
                    return;
                }

                if (result.IsCompleted)
                {
                    RequestClose(DisconnectReason.ClientClosed);
                    return;
                }
            }
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            RequestClose(DisconnectReason.ClientClosed);
        }
        catch (Exception ex)
        {
            Telemetry.GatewayLog.ClientFailed(Services.Logger, "websocket", Remote, ex);
            RequestClose(DisconnectReason.Error);
        }
        finally
        {
            _peerDone.TrySetResult();
        }
    }

    /// <summary>Handles the complete frames at the start of the buffer; true when reading must stop.</summary>
    private bool ProcessFrames(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            var reader = new SequenceReader<byte>(buffer);
            var status = ClientFrameHeader.TryRead(ref reader, out var header);
            if (status == ClientFrameHeader.Status.NeedMoreData)
            {
                return false;
            }

            if (status == ClientFrameHeader.Status.ProtocolError)
            {
                RequestClose(DisconnectReason.ProtocolError);
                return true;
            }

            if (!header.IsControl)
            {
                var isContinuation = header.Opcode == WebSocketFrames.Continuation;
                if (isContinuation != _inMessage)
                {
                    RequestClose(DisconnectReason.ProtocolError);
                    return true;
                }

                // Checked on the header, before the payload is buffered: a huge frame is never read in.
                if ((isContinuation ? _messageBytes : 0) + header.PayloadLength > _maxInboundMessage)
                {
                    RequestClose(DisconnectReason.MessageTooBig);
                    return true;
                }
            }

            if (reader.Remaining < header.PayloadLength)
            {
                return false;
            }

            var payload = buffer.Slice(reader.Position, header.PayloadLength);
            buffer = buffer.Slice(payload.End);
            switch (header.Opcode)
            {
                case WebSocketFrames.Ping:
                    lock (_pongGate)
                    {
                        _pongPayload ??= new byte[WebSocketFrames.MaxControlPayload];
                        header.Unmask(payload, _pongPayload);
                        _pongLength = (int)payload.Length;
                    }

                    Request(Control.Pong);
                    break;
                case WebSocketFrames.Pong:
                    break; // MarkReceived has noted that the peer is alive
                case WebSocketFrames.Close:
                    return OnPeerClose(header, payload);
                default:
                    // Data: read and ignored (certstream clients have nothing to say to the server).
                    _messageBytes = header.Opcode == WebSocketFrames.Continuation ? _messageBytes + header.PayloadLength : header.PayloadLength;
                    _inMessage = !header.Fin;
                    if (header.Fin)
                    {
                        _messageBytes = 0;
                    }

                    break;
            }
        }
    }

    private bool OnPeerClose(ClientFrameHeader header, ReadOnlySequence<byte> payload)
    {
        if (payload.Length == 1)
        {
            RequestClose(DisconnectReason.ProtocolError);
            return true;
        }

        if (payload.Length >= 2)
        {
            Span<byte> bytes = stackalloc byte[WebSocketFrames.MaxControlPayload];
            header.Unmask(payload, bytes);
            var code = BinaryPrimitives.ReadUInt16BigEndian(bytes);
            if (!WebSocketCloseStatus.IsValidFromPeer(code))
            {
                RequestClose(DisconnectReason.ProtocolError);
                return true;
            }

            _peerCloseCode = code;
        }

        _peerSentClose = true;
        RequestClose(DisconnectReason.ClientClosed);
        return true;
    }
}
