using System.Security.Cryptography;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.StaticCt;

namespace CertStream.Tests.Ingestor.Ct.StaticCt;

public sealed class IssuerCacheUnitTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (byte[] Der, byte[] Fingerprint, string Hex) Issuer(int i)
    {
        var der = StaticCtTestData.Issuers.Values.OrderBy(d => Convert.ToHexString(SHA256.HashData(d)), StringComparer.Ordinal).ElementAt(i);
        var fingerprint = SHA256.HashData(der);
        return (der, fingerprint, Convert.ToHexStringLower(fingerprint));
    }

    [Fact]
    public async Task ConcurrentRequestsShareOneFetchAndLaterOnesHitTheCache()
    {
        var cache = new IssuerCache();
        var (der, fingerprint, hex) = Issuer(0);
        var release = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fetches = 0;
        string? askedFor = null;
        Task<byte[]> Fetch(string h, CancellationToken _)
        {
            Interlocked.Increment(ref fetches);
            askedFor = h;
            return release.Task;
        }

        var waiting = Enumerable.Range(0, 8).Select(_ => cache.GetAsync(fingerprint, Fetch, Ct)).ToArray();
        release.SetResult(der);
        var results = await Task.WhenAll(waiting).WaitAsync(Timeout, Ct);
        var again = await cache.GetAsync(fingerprint, Fetch, Ct).WaitAsync(Timeout, Ct);

        Assert.Equal(1, fetches);
        Assert.Equal(hex, askedFor);
        Assert.All(results, r => Assert.True(r.Span.SequenceEqual(der)));
        Assert.True(again.Span.SequenceEqual(der));
        Assert.Equal(1, cache.Count);
        Assert.True(cache.TryGet(fingerprint, out var cached) && cached.Span.SequenceEqual(der));
    }

    [Fact]
    public async Task ACertificateThatDoesNotHashToTheFingerprintIsRejectedAndNotCached()
    {
        var cache = new IssuerCache();
        var (der, fingerprint, _) = Issuer(1);
        var (other, _, _) = Issuer(2);
        var fetches = 0;

        var error = await Assert.ThrowsAsync<CtDecodeException>(() => cache.GetAsync(fingerprint, (_, _) =>
        {
            fetches++;
            return Task.FromResult(other);
        }, Ct).WaitAsync(Timeout, Ct));
        var good = await cache.GetAsync(fingerprint, (_, _) =>
        {
            fetches++;
            return Task.FromResult(der);
        }, Ct).WaitAsync(Timeout, Ct);

        Assert.Contains("hashes to", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, fetches);
        Assert.True(good.Span.SequenceEqual(der));
    }

    [Fact]
    public async Task AFailedFetchReachesEveryWaiterAndTheNextCallTriesAgain()
    {
        var cache = new IssuerCache();
        var (der, fingerprint, _) = Issuer(0);
        var release = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);

        var a = cache.GetAsync(fingerprint, (_, _) => release.Task, Ct);
        var b = cache.GetAsync(fingerprint, (_, _) => throw new InvalidOperationException("not this one"), Ct);
        release.SetException(new HttpRequestException("404"));

        await Assert.ThrowsAsync<HttpRequestException>(() => a.WaitAsync(Timeout, Ct));
        await Assert.ThrowsAsync<HttpRequestException>(() => b.WaitAsync(Timeout, Ct));
        Assert.Equal(0, cache.Count);
        var retried = await cache.GetAsync(fingerprint, (_, _) => Task.FromResult(der), Ct).WaitAsync(Timeout, Ct);
        Assert.True(retried.Span.SequenceEqual(der));
    }

    [Fact]
    public async Task WhenTheCallerThatStartedTheFetchCancelsTheOthersFetchAgain()
    {
        var cache = new IssuerCache();
        var (der, fingerprint, _) = Issuer(3);
        using var initiator = new CancellationTokenSource();
        var fetches = 0;
        async Task<byte[]> Fetch(string _, CancellationToken token)
        {
            if (Interlocked.Increment(ref fetches) == 1)
            {
                await Task.Delay(System.Threading.Timeout.Infinite, token);
            }

            return der;
        }

        var first = cache.GetAsync(fingerprint, Fetch, initiator.Token);
        var second = cache.GetAsync(fingerprint, Fetch, Ct);
        await initiator.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.WaitAsync(Timeout, Ct));
        var result = await second.WaitAsync(Timeout, Ct);
        Assert.True(result.Span.SequenceEqual(der));
        Assert.Equal(2, fetches);
    }

    [Fact]
    public async Task TheCountIsBoundedOldestFirst()
    {
        var cache = new IssuerCache(capacity: 2);
        var fetched = new List<string>();
        Task<byte[]> Fetch(string hex, CancellationToken _)
        {
            fetched.Add(hex);
            return Task.FromResult(StaticCtTestData.Issuers[hex]);
        }

        for (var i = 0; i < 3; i++)
        {
            await cache.GetAsync(Issuer(i).Fingerprint, Fetch, Ct).WaitAsync(Timeout, Ct);
        }

        Assert.Equal(2, cache.Count);
        Assert.False(cache.TryGet(Issuer(0).Fingerprint, out _));
        Assert.True(cache.TryGet(Issuer(2).Fingerprint, out _));
        await cache.GetAsync(Issuer(0).Fingerprint, Fetch, Ct).WaitAsync(Timeout, Ct);
        Assert.Equal(4, fetched.Count);
    }

    [Fact]
    public void AFingerprintIs32Bytes()
    {
        var cache = new IssuerCache();

        Assert.Throws<ArgumentException>(() => { _ = cache.GetAsync(new byte[31], (_, _) => Task.FromResult(Array.Empty<byte>()), Ct); });
    }
}
