using System.Collections.Concurrent;
using System.Net;
using CertStream.Gateway.Options;
using CertStream.ServiceDefaults.Configuration;

namespace CertStream.Gateway.Access;

/// <summary>
/// One token bucket per client IP (<c>rate_limit:</c>), driven by the node's
/// <see cref="TimeProvider"/>. Memory stays bounded: a bucket that has refilled completely holds
/// no information and is dropped by the sweep, which runs every minute and whenever more than
/// <see cref="SweepAbove"/> IPs are tracked.
/// </summary>
/// <remarks>
/// Hand-written rather than System.Threading.RateLimiting's <c>PartitionedRateLimiter</c> of
/// <c>TokenBucketRateLimiter</c>s, for a real limitation: those limiters read the machine's clock
/// (<c>Stopwatch</c>) and replenish and evict idle partitions on their own timers, and take no
/// <see cref="TimeProvider"/> (an open API proposal upstream), so the node's clock could not drive
/// them and the tests could not control refill or eviction without sleeping. Their whole-token
/// periods also cannot express a fractional <c>per_second</c> (0.2, 2.5) with an exact Retry-After.
/// </remarks>
internal sealed class ClientRateLimiter : IDisposable
{
    private const int SweepAbove = 50_000;
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<IPAddress, Bucket> _buckets = new();
    private readonly ReloadableOptions<RateLimitOptions> _options;
    private readonly TimeProvider _time;
    private readonly ITimer _sweep;
    private int _sweeping;

    public ClientRateLimiter(ReloadableOptions<RateLimitOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _sweep = time.CreateTimer(static state => ((ClientRateLimiter)state!).Sweep(), this, SweepPeriod, SweepPeriod);
    }

    public int TrackedCount => _buckets.Count;

    /// <summary>Takes one token for <paramref name="client"/>; false with the wait until the next one when the bucket is empty.</summary>
    public bool TryAcquire(IPAddress client, out TimeSpan retryAfter)
    {
        var options = _options.Current;
        if (!options.Enabled)
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }

        var now = _time.GetTimestamp();
        var bucket = _buckets.GetOrAdd(client, static (_, state) => new Bucket(state.BurstSize, state.Now), (options.BurstSize, Now: now));
        bool acquired;
        lock (bucket)
        {
            bucket.Refill(now, options, _time);
            acquired = bucket.Tokens >= 1;
            if (acquired)
            {
                bucket.Tokens -= 1;
                retryAfter = TimeSpan.Zero;
            }
            else
            {
                retryAfter = TimeSpan.FromSeconds((1 - bucket.Tokens) / options.PerSecond);
            }
        }

        if (_buckets.Count > SweepAbove)
        {
            Sweep();
        }

        return acquired;
    }

    public void Dispose() => _sweep.Dispose();

    /// <summary>Drops the buckets that are full again: a fresh bucket would be identical.</summary>
    internal void Sweep()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) != 0)
        {
            return;
        }

        try
        {
            var options = _options.Current;
            var now = _time.GetTimestamp();
            foreach (var (ip, bucket) in _buckets)
            {
                lock (bucket)
                {
                    bucket.Refill(now, options, _time);
                    if (bucket.Tokens >= options.BurstSize)
                    {
                        _buckets.TryRemove(new KeyValuePair<IPAddress, Bucket>(ip, bucket));
                    }
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private sealed class Bucket(double tokens, long updated)
    {
        public double Tokens = tokens;
        private long _updated = updated;

        public void Refill(long now, RateLimitOptions options, TimeProvider time)
        {
            var elapsed = time.GetElapsedTime(_updated, now).TotalSeconds;
            if (elapsed > 0)
            {
                Tokens = Math.Min(options.BurstSize, Tokens + (elapsed * options.PerSecond));
                _updated = now;
            }
        }
    }
}
