namespace CertStream.CtLogSimulator.Entries;

/// <summary>
/// A direct-mapped cache of generated entries (slot = index mod capacity): bounded memory for a log that
/// grows for days, lock-free reads, and no eviction bookkeeping. A miss regenerates the same bytes.
/// </summary>
internal sealed class EntryCache(int capacity)
{
    private readonly SimulatedEntry?[] _slots = new SimulatedEntry?[capacity];

    public SimulatedEntry GetOrAdd(long index, Func<long, SimulatedEntry> create)
    {
        var slot = (int)(index % _slots.Length);
        var cached = Volatile.Read(ref _slots[slot]);
        if (cached is not null && cached.Index == index)
        {
            return cached;
        }

        var created = create(index);
        Volatile.Write(ref _slots[slot], created);
        return created;
    }
}
