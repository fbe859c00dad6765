using System.Buffers;

namespace CertStream.Ingestor.Ct.Http;

/// <summary>
/// A response body in an array rented from <see cref="Pool"/>: get-entries pages and data tiles are
/// 0.1-3 MB each, and allocating each one (and the copies of a growing MemoryStream) put them on the
/// large object heap, which is only collected with gen 2. The owner disposes it once nothing points
/// into it any more (entries decoded from it slice it), which returns the array.
/// </summary>
public sealed class PooledBody : IDisposable
{
    /// <summary>
    /// Its own pool, not <see cref="ArrayPool{T}.Shared"/> (which keeps up to 32 arrays per size and core):
    /// at most 8 arrays per power-of-two size are kept, so what the pool holds is bounded (sizes up
    /// to 4 MB: under 64 MB in all, in practice the few sizes that pages of one batch size take).
    /// </summary>
    public static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(4 * 1024 * 1024, maxArraysPerBucket: 8);

    private byte[]? _array;

    public PooledBody(int capacity)
    {
        _array = Pool.Rent(Math.Max(capacity, 1));
    }

    public int Length { get; private set; }

    public Memory<byte> Memory => Array.AsMemory(0, Length);

    public Span<byte> Span => Array.AsSpan(0, Length);

    /// <summary>The free space after <see cref="Length"/>, at least <paramref name="sizeHint"/> bytes (grown by doubling).</summary>
    public Memory<byte> GetFree(int sizeHint)
    {
        var array = Array;
        if (array.Length - Length < sizeHint)
        {
            var size = (int)Math.Min(Math.Max((long)array.Length * 2, (long)Length + sizeHint), System.Array.MaxLength);
            var bigger = Pool.Rent(size);
            array.AsSpan(0, Length).CopyTo(bigger);
            Pool.Return(array);
            _array = array = bigger;
        }

        return array.AsMemory(Length);
    }

    public void Advance(int count) => Length += count;

    public byte[] ToArray() => Span.ToArray();

    private byte[] Array => _array ?? throw new ObjectDisposedException(nameof(PooledBody));

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null)
        {
            Pool.Return(array);
        }
    }
}
