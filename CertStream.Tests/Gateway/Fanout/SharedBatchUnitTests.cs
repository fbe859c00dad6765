using System.Buffers;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Transports.WebSockets;

namespace CertStream.Tests.Gateway.Fanout;

public sealed class SharedBatchUnitTests
{
    private readonly SharedBatch.Writer _writer = new();
    private readonly RingEntry?[] _scratch = new RingEntry?[32];

    [Fact]
    public void FramesEveryMessageOnceInOrderAndServesAnySuffix()
    {
        var ring = new MessageRing(maxCount: 100, maxBytes: 10_000_000);
        int[] sizes = [10, 125, 126, 1500, 70_000];
        foreach (var (size, i) in sizes.Select((size, i) => (size, i)))
        {
            ring.Append(Message(i, size));
        }

        var batch = SharedBatch.Build(ring, 0, SharedBatch.MaxBytes * 4, WebSocketFrames.WriteText, _writer, _scratch);

        Assert.NotNull(batch);
        Assert.Equal((0, 5, 5, false), (batch.Start, batch.End, batch.Count, batch.Capped));
        for (var from = 0; from < sizes.Length; from++)
        {
            Assert.Equal(FramedOneByOne(sizes.Select((size, i) => Message(i, size)).Skip(from)), batch.FramesFrom(from).ToArray());
        }

        Assert.True(batch.Holds(0) && batch.Holds(4));
        Assert.False(batch.Holds(-1) || batch.Holds(5));
        batch.Release();
    }

    [Fact]
    public void StopsAtItsByteLimitAndSaysSo()
    {
        var ring = new MessageRing(maxCount: 100, maxBytes: 10_000_000);
        for (var i = 0; i < 10; i++)
        {
            ring.Append(Message(i, 300_000));
        }

        var batch = SharedBatch.Build(ring, 0, SharedBatch.MaxBytes, WebSocketFrames.WriteText, _writer, _scratch);

        // 3 x 300 KB is under 1 MiB, so a fourth is taken (a batch stops after the message that crosses the limit).
        Assert.NotNull(batch);
        Assert.Equal((0, 4), (batch.Start, batch.End));
        Assert.True(batch.Capped);
        batch.Release();
    }

    [Fact]
    public void StartsAtTheOldestMessageStillHeldAndIsNullWhenNothingIsNew()
    {
        var ring = new MessageRing(maxCount: 4, maxBytes: 10_000_000);
        for (var i = 0; i < 10; i++)
        {
            ring.Append(Message(i, 100));
        }

        var batch = SharedBatch.Build(ring, 2, SharedBatch.MaxBytes, WebSocketFrames.WriteText, _writer, _scratch);
        Assert.NotNull(batch);
        Assert.Equal((ring.Oldest, 10L), (batch.Start, batch.End));
        Assert.Equal(FramedOneByOne(Enumerable.Range((int)ring.Oldest, 4).Select(i => Message(i, 100))), batch.FramesFrom(batch.Start).ToArray());
        batch.Release();

        Assert.Null(SharedBatch.Build(ring, ring.Head, SharedBatch.MaxBytes, WebSocketFrames.WriteText, _writer, _scratch));
    }

    [Fact]
    public void ASendThatStoppedShortSaysWhichMessageIsNextAndWhatIsLeftOfTheOneItStoppedIn()
    {
        var ring = new MessageRing(maxCount: 10, maxBytes: 10_000);
        for (var i = 0; i < 3; i++)
        {
            ring.Append(Message(i, 100)); // frames of 102 bytes (2-byte header)
        }

        var batch = SharedBatch.Build(ring, 0, SharedBatch.MaxBytes, WebSocketFrames.WriteText, _writer, _scratch)!;
        var frames = batch.FramesFrom(0).ToArray();

        Assert.Equal((0L, 0), (batch.Unsent(0, 0).Next, batch.Unsent(0, 0).Remainder.Length));     // nothing sent
        Assert.Equal((1L, 0), (batch.Unsent(0, 102).Next, batch.Unsent(0, 102).Remainder.Length)); // stopped between two frames
        var (next, remainder) = batch.Unsent(0, 150);                                            // stopped inside the second
        Assert.Equal(2, next);
        Assert.Equal(frames[150..204], remainder.ToArray());
        (next, remainder) = batch.Unsent(1, 101);                                                // from the second: inside its last byte
        Assert.Equal(2, next);
        Assert.Equal(frames[203..204], remainder.ToArray());
        batch.Release();
    }

    [Fact]
    public void CanBeTakenUntilTheLastHolderHasLetGo()
    {
        var ring = new MessageRing(maxCount: 10, maxBytes: 10_000);
        ring.Append(Message(0, 100));
        var batch = SharedBatch.Build(ring, 0, SharedBatch.MaxBytes, WebSocketFrames.WriteText, _writer, _scratch)!;

        Assert.True(batch.TryAcquire()); // a client's send
        batch.Release();                 // the topic replaced it
        Assert.Equal(FramedOneByOne([Message(0, 100)]), batch.FramesFrom(0).ToArray()); // still the client's
        batch.Release();                 // the send completed
        Assert.False(batch.TryAcquire());
    }

    private static byte[] Message(int index, int size)
    {
        var message = new byte[size];
        message.AsSpan().Fill((byte)('a' + (index % 26)));
        return message;
    }

    private static byte[] FramedOneByOne(IEnumerable<byte[]> messages)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var message in messages)
        {
            WebSocketFrames.WriteText(output, message);
        }

        return output.WrittenSpan.ToArray();
    }
}
