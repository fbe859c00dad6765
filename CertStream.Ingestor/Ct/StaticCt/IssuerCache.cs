using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace CertStream.Ingestor.Ct.StaticCt;

/// <summary>
/// Issuer certificates of static-ct logs by SHA-256 fingerprint, shared by all logs (issuers are
/// immutable and shared across logs; a log has a few dozen). Entries stay until the count bound is
/// reached, then the oldest go first. Concurrent requests for one fingerprint share one fetch; a fetched
/// DER whose SHA-256 is not the fingerprint fails with <see cref="CtDecodeException"/> and is not cached,
/// nor is any failed fetch.
/// </summary>
public sealed class IssuerCache
{
    public const int DefaultCapacity = 10_000;

    private readonly int _capacity;
    private readonly ConcurrentDictionary<Key, Entry> _entries = new();
    private readonly ConcurrentQueue<Key> _cachedOrder = new();
    private int _cachedCount;

    public IssuerCache(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Issuers held (fetched and verified).</summary>
    public int Count => Volatile.Read(ref _cachedCount);

    /// <summary>The issuer DER if it is cached already.</summary>
    public bool TryGet(ReadOnlySpan<byte> fingerprint, out ReadOnlyMemory<byte> der)
    {
        if (fingerprint.Length == TileLeaf.FingerprintLength
            && _entries.TryGetValue(Key.From(fingerprint), out var entry) && entry.Task.IsCompletedSuccessfully)
        {
            der = entry.Task.Result;
            return true;
        }

        der = default;
        return false;
    }

    /// <summary>The chain of <paramref name="leaf"/>, issuer first, each certificate through <see cref="GetAsync"/>.</summary>
    public async Task<ReadOnlyMemory<byte>[]> GetChainAsync(TileLeaf leaf, Func<string, CancellationToken, Task<byte[]>> fetchByHex, CancellationToken ct)
    {
        var chain = new ReadOnlyMemory<byte>[leaf.FingerprintCount];
        for (var i = 0; i < chain.Length; i++)
        {
            chain[i] = await GetAsync(leaf.Fingerprint(i), fetchByHex, ct);
        }

        return chain;
    }

    /// <summary>
    /// The issuer DER for <paramref name="fingerprint"/> (32 bytes). On a miss, <paramref name="fetchByHex"/>
    /// gets the lowercase hex fingerprint (for <c>issuer/&lt;hex&gt;</c>) and the token of the caller that
    /// started the fetch; if that caller cancels, the others waiting start a new fetch instead of failing.
    /// </summary>
    public Task<ReadOnlyMemory<byte>> GetAsync(ReadOnlyMemory<byte> fingerprint, Func<string, CancellationToken, Task<byte[]>> fetchByHex, CancellationToken ct)
    {
        if (fingerprint.Length != TileLeaf.FingerprintLength)
        {
            throw new ArgumentException($"a fingerprint is {TileLeaf.FingerprintLength} bytes, not {fingerprint.Length}", nameof(fingerprint));
        }

        ArgumentNullException.ThrowIfNull(fetchByHex);
        var key = Key.From(fingerprint.Span);

        // Hot path: a cached issuer costs one lookup and no allocation (the completed task is reused).
        if (_entries.TryGetValue(key, out var cached) && cached.Task.IsCompletedSuccessfully)
        {
            return cached.Task;
        }

        return GetSlowAsync(key, fingerprint.ToArray(), fetchByHex, ct);
    }

    private async Task<ReadOnlyMemory<byte>> GetSlowAsync(Key key, byte[] fingerprint, Func<string, CancellationToken, Task<byte[]>> fetchByHex, CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var created = new Entry(ct);
            var entry = _entries.GetOrAdd(key, created);
            if (ReferenceEquals(entry, created))
            {
                _ = FetchAsync(key, created, fingerprint, fetchByHex);
            }

            try
            {
                return await entry.Task.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested && entry.Initiator.IsCancellationRequested)
            {
                // The caller that started the shared fetch gave up; try again with our own.
            }
        }
    }

    private async Task FetchAsync(Key key, Entry entry, byte[] fingerprint, Func<string, CancellationToken, Task<byte[]>> fetchByHex)
    {
        try
        {
            var hex = Convert.ToHexStringLower(fingerprint);
            var der = await fetchByHex(hex, entry.Initiator).ConfigureAwait(false)
                ?? throw new CtDecodeException($"issuer {hex}: no body");
            var actual = SHA256.HashData(der);
            if (!actual.AsSpan().SequenceEqual(fingerprint))
            {
                throw new CtDecodeException($"issuer {hex}: the served certificate hashes to {Convert.ToHexStringLower(actual)}");
            }

            entry.Complete(der);
            Cached(key);
        }
        catch (Exception ex)
        {
            _entries.TryRemove(new KeyValuePair<Key, Entry>(key, entry));
            entry.Fail(ex);
        }
    }

    private void Cached(Key key)
    {
        _cachedOrder.Enqueue(key);
        if (Interlocked.Increment(ref _cachedCount) <= _capacity)
        {
            return;
        }

        // Over the bound: drop the oldest cached issuers (a fetch in flight is never in this queue).
        while (Volatile.Read(ref _cachedCount) > _capacity && _cachedOrder.TryDequeue(out var oldest))
        {
            if (_entries.TryGetValue(oldest, out var entry) && entry.Task.IsCompletedSuccessfully
                && _entries.TryRemove(new KeyValuePair<Key, Entry>(oldest, entry)))
            {
                Interlocked.Decrement(ref _cachedCount);
            }
        }
    }

    private readonly record struct Key(ulong A, ulong B, ulong C, ulong D)
    {
        public static Key From(ReadOnlySpan<byte> fingerprint) => new(
            BinaryPrimitives.ReadUInt64LittleEndian(fingerprint),
            BinaryPrimitives.ReadUInt64LittleEndian(fingerprint[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(fingerprint[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(fingerprint[24..]));
    }

    private sealed class Entry(CancellationToken initiator)
    {
        private readonly TaskCompletionSource<ReadOnlyMemory<byte>> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken Initiator { get; } = initiator;

        public Task<ReadOnlyMemory<byte>> Task => _result.Task;

        public void Complete(byte[] der) => _result.TrySetResult(der);

        public void Fail(Exception ex)
        {
            if (ex is OperationCanceledException canceled)
            {
                _result.TrySetCanceled(canceled.CancellationToken);
            }
            else
            {
                _result.TrySetException(ex);
            }
        }
    }
}
