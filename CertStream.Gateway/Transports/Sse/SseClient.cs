using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using CertStream.Contracts;
using CertStream.Gateway.Fanout;

namespace CertStream.Gateway.Transports.Sse;

/// <summary>
/// A Server-Sent Events client: each message is one <c>data: &lt;json&gt;\n\n</c> event on a chunked
/// response, preceded by <c>id: &lt;cursor&gt;\n</c> when the message has a cursor, so that an
/// EventSource reconnects with <c>Last-Event-ID</c> and resumes where it was.
/// </summary>
internal sealed class SseClient : ClientConnection
{
    private readonly HttpContext _context;
    private readonly PipeWriter _output;

    public SseClient(StreamTopic topic, HttpContext context, ClientServices services)
        : base(topic, TransportProtocol.Sse, RemoteName.Of(context), services)
    {
        _context = context;
        _output = context.Response.BodyWriter;
    }

    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;

    private static ReadOnlySpan<byte> IdPrefix => "id: "u8;

    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;

    private static ReadOnlySpan<byte> ClosedPrefix => ": closed: "u8;

    public async Task RunAsync()
    {
        using var aborted = _context.RequestAborted.Register(static state => ((SseClient)state!).RequestClose(DisconnectReason.ClientClosed), this);
        await RunSendLoopAsync();
    }

    protected override void WriteMessage(ReadOnlySpan<byte> json)
    {
        if (StreamCursor.TryFindInMessage(json, out var cursor, out _))
        {
            WriteLine(_output, IdPrefix, cursor, "\n"u8);
        }

        WriteLine(_output, DataPrefix, json, EventEnd);
    }

    protected override ValueTask<bool> FlushAsync()
    {
        var flush = _output.FlushAsync();
        if (flush.IsCompletedSuccessfully)
        {
            var result = flush.Result;
            return new ValueTask<bool>(!result.IsCompleted && !result.IsCanceled);
        }

        return AwaitFlushAsync(flush);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> AwaitFlushAsync(ValueTask<FlushResult> flush)
    {
        var result = await flush;
        return !result.IsCompleted && !result.IsCanceled;
    }

    // Unblocks a flush stuck behind a client that does not read.
    protected override void OnCloseRequested(DisconnectReason reason) => _output.CancelPendingFlush();

    protected override void Abort() => _context.Abort();

    protected override async Task CloseTransportAsync(DisconnectReason reason)
    {
        if (reason != DisconnectReason.ClientClosed)
        {
            // Why, as a comment (": ..."), which EventSource and certstream SSE readers skip, after
            // whatever was in flight. Returning ends the chunked response, which needs one more
            // write; the close deadline cuts off a peer that does not take them.
            WriteLine(_output, ClosedPrefix, Encoding.UTF8.GetBytes(DisconnectReasons.Describe(reason, Dropped)), EventEnd);
            if ((await _output.FlushAsync()).IsCanceled)
            {
                // The cancel from OnCloseRequested found no flush waiting and landed on this one.
                await _output.FlushAsync();
            }
        }
    }
}
