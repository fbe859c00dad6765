using CertStream.Gateway.Fanout;

namespace CertStream.Tests.Gateway.Fanout;

public sealed class MessageRingUnitTests
{
    [Fact]
    public void KeepsAtMostTheMessageCountAndDropsTheOldest()
    {
        var ring = new MessageRing(maxCount: 3, maxBytes: 1_000_000);
        for (var i = 0; i < 5; i++)
        {
            ring.Append(Message(i, 10));
        }

        Assert.Equal(3, ring.Count);
        Assert.Equal(2, ring.Oldest);
        Assert.Equal(5, ring.Head);
        Assert.Equal(30, ring.Bytes);
        long cursor = ring.Oldest;
        var into = new RingEntry?[8];
        Assert.Equal(3, ring.Read(ref cursor, into, long.MaxValue));
        Assert.Equal([2, 3, 4], into.Take(3).Select(e => (int)e!.Payload.Span[0]));
    }

    [Fact]
    public void KeepsAtMostTheByteBudget()
    {
        var ring = new MessageRing(maxCount: 100, maxBytes: 100);
        ring.Append(Message(0, 40));
        ring.Append(Message(1, 40));
        ring.Append(Message(2, 40)); // 120 > 100: the first goes
        Assert.Equal(2, ring.Count);
        Assert.Equal(80, ring.Bytes);

        ring.Append(Message(3, 500)); // larger than the budget on its own: kept alone
        Assert.Equal(1, ring.Count);
        Assert.Equal(500, ring.Bytes);
    }

    [Fact]
    public void AReaderThatWasLappedStopsAtTheGapAndCanSeeHowMuchItLost()
    {
        var ring = new MessageRing(maxCount: 4, maxBytes: 1_000_000);
        long cursor = ring.Head;
        for (var i = 0; i < 10; i++)
        {
            ring.Append(Message(i, 1));
        }

        var into = new RingEntry?[8];
        Assert.Equal(0, ring.Read(ref cursor, into, long.MaxValue));
        Assert.Equal(0, cursor);
        Assert.Equal(6, ring.Oldest - cursor); // what the caller counts as lost

        cursor = ring.Oldest;
        Assert.Equal(4, ring.Read(ref cursor, into, long.MaxValue));
        Assert.Equal(10, cursor);
    }

    [Fact]
    public void ReadsStopAtTheByteLimitButAlwaysTakeOne()
    {
        var ring = new MessageRing(maxCount: 10, maxBytes: 1_000_000);
        for (var i = 0; i < 5; i++)
        {
            ring.Append(Message(i, 100));
        }

        long cursor = 0;
        var into = new RingEntry?[8];
        Assert.Equal(2, ring.Read(ref cursor, into, maxBytes: 250));
        Assert.Equal(1, ring.Read(ref cursor, into, maxBytes: 50));
        Assert.Equal(2, ring.Read(ref cursor, into.AsSpan(0, 2), long.MaxValue));
        Assert.Equal(0, ring.Read(ref cursor, into, long.MaxValue));
        Assert.Equal(5, cursor);
    }

    [Fact]
    public void ClearForgetsEverythingAndNewReadersStartAtTheHead()
    {
        var ring = new MessageRing(maxCount: 10, maxBytes: 1_000_000);
        ring.Append(Message(0, 10));
        ring.Append(Message(1, 10));
        ring.Clear();
        Assert.Equal(0, ring.Count);
        Assert.Equal(0, ring.Bytes);
        long cursor = ring.Head;
        ring.Append(Message(2, 10));
        var into = new RingEntry?[8];
        Assert.Equal(1, ring.Read(ref cursor, into, long.MaxValue));
        Assert.Equal(2, into[0]!.Payload.Span[0]);
    }

    [Fact]
    public async Task ConcurrentReadersSeeEveryMessageInOrderOrAGapNeverAnotherMessage()
    {
        var ring = new MessageRing(maxCount: 64, maxBytes: 1_000_000);
        const int total = 200_000;
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            long cursor = 0;
            var into = new RingEntry?[16];
            var lastSeen = -1L;
            while (lastSeen < total - 1)
            {
                if (cursor < ring.Oldest)
                {
                    cursor = ring.Oldest;
                }

                var n = ring.Read(ref cursor, into, long.MaxValue);
                for (var i = 0; i < n; i++)
                {
                    var value = BitConverter.ToInt64(into[i]!.Payload.Span);
                    Assert.Equal(into[i]!.Sequence, value); // the slot held the message it claims
                    Assert.True(value > lastSeen);
                    lastSeen = value;
                }
            }
        }, TestContext.Current.CancellationToken)).ToArray();

        for (long i = 0; i < total; i++)
        {
            ring.Append(BitConverter.GetBytes(i));
        }

        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    private static byte[] Message(int marker, int length)
    {
        var message = new byte[length];
        message[0] = (byte)marker;
        return message;
    }
}
