using CertStream.Ingestor.Feed;

namespace CertStream.Tests.Ingestor.Feed;

public sealed class FeedQueueTests
{
    [Fact]
    public void Try_reserve_never_passes_the_capacity()
    {
        var queue = new FeedQueue(10);
        Assert.True(queue.TryReserve(6));
        Assert.False(queue.TryReserve(5)); // the live path is refused at once, it does not wait
        Assert.True(queue.TryReserve(4));
        Assert.Equal(10, queue.Count);
        queue.Release(6);
        Assert.Equal(4, queue.Count);
        Assert.True(queue.TryReserve(6));
    }

    [Fact]
    public async Task Reserve_waits_for_room_given_back()
    {
        var queue = new FeedQueue(10);
        Assert.True(queue.TryReserve(8));
        var waiting = queue.ReserveAsync(5, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        queue.Release(2);
        Assert.False(waiting.IsCompleted); // 6 + 5 > 10 still
        queue.Release(3);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(8, queue.Count);
    }
}
