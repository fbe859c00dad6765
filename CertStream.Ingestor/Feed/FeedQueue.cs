using System.Threading.Channels;

namespace CertStream.Ingestor.Feed;

/// <summary>
/// The feed's bounded backlog: entries queued for RabbitMQ plus the batch being confirmed, at most
/// <c>feed:queue_capacity</c>. The live path only ever tries to reserve room (never waits); the
/// re-reading of a gap waits for room. Room comes back when a batch is confirmed.
/// </summary>
public sealed class FeedQueue
{
    private readonly Channel<FeedItem> _items = Channel.CreateUnbounded<FeedItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private TaskCompletionSource _roomFreed = NewSignal();
    private int _count;

    public FeedQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>Entries held: queued, plus the batch being published.</summary>
    public int Count => Volatile.Read(ref _count);

    public ChannelReader<FeedItem> Reader => _items.Reader;

    /// <summary>Reserves room for <paramref name="count"/> items, or returns false at once.</summary>
    public bool TryReserve(int count)
    {
        lock (_gate)
        {
            if (_count + count > Capacity)
            {
                return false;
            }

            _count += count;
            return true;
        }
    }

    /// <summary>Waits until <paramref name="count"/> items fit (at most <see cref="Capacity"/>), then reserves them.</summary>
    public async Task ReserveAsync(int count, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Capacity);
        while (true)
        {
            Task freed;
            lock (_gate)
            {
                if (_count + count <= Capacity)
                {
                    _count += count;
                    return;
                }

                freed = _roomFreed.Task;
            }

            await freed.WaitAsync(ct);
        }
    }

    /// <summary>Adds an item whose room was reserved.</summary>
    public void Write(FeedItem item) => _items.Writer.TryWrite(item);

    /// <summary>Gives back the room of <paramref name="count"/> items (confirmed, or reserved and not written).</summary>
    public void Release(int count)
    {
        if (count == 0)
        {
            return;
        }

        TaskCompletionSource freed;
        lock (_gate)
        {
            _count -= count;
            freed = _roomFreed;
            _roomFreed = NewSignal();
        }

        freed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
