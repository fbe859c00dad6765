namespace CertStream.CtLogSimulator.Entries;

/// <summary>Encoded full data tiles (immutable once full), direct-mapped by tile index like <see cref="EntryCache"/>.</summary>
internal sealed class TileCache(int capacity)
{
    private readonly Tile?[] _slots = new Tile?[capacity];

    public ReadOnlyMemory<byte> GetOrAdd(long tileIndex, Func<long, ReadOnlyMemory<byte>> create)
    {
        var slot = (int)(tileIndex % _slots.Length);
        var cached = Volatile.Read(ref _slots[slot]);
        if (cached is not null && cached.Index == tileIndex)
        {
            return cached.Body;
        }

        var body = create(tileIndex);
        Volatile.Write(ref _slots[slot], new Tile(tileIndex, body));
        return body;
    }

    private sealed record Tile(long Index, ReadOnlyMemory<byte> Body);
}
