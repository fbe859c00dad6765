using System.Threading.RateLimiting;
using CertStream.Ingestor.Options;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.CatchUp;

/// <summary>
/// The ingestor-wide budget for publishing backlog entries (<c>ct_log:catchup_rate</c> per second,
/// all logs together): a token bucket refilled ten times a second, waiters served oldest first so
/// that logs catching up at the same time share the budget. Live entries never come here.
/// </summary>
/// <remarks>
/// System.Threading.RateLimiting replenishes on its own timer; it has no TimeProvider hook, which
/// is why tests of the pacing measure published counts against Redis, not fake time.
/// </remarks>
public sealed class CatchUpLimiter : IDisposable
{
    private static readonly TimeSpan Refill = TimeSpan.FromMilliseconds(100);

    private readonly TokenBucketRateLimiter? _bucket;
    private readonly int _bucketSize;

    public CatchUpLimiter(IOptions<CatchUpOptions> options)
    {
        var rate = options.Value.CatchupRate;
        if (rate <= 0)
        {
            return;
        }

        // A tenth of a second's worth per refill (one entry per 1/rate s below 10/s): smooth for
        // clients, and at most that burst after an idle period.
        var perRefill = Math.Max(1, rate / 10);
        var period = rate >= 10 ? Refill : TimeSpan.FromSeconds(1.0 / rate);
        _bucketSize = perRefill;
        _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perRefill,
            TokensPerPeriod = perRefill,
            ReplenishmentPeriod = period,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    public bool Enabled => _bucket is not null;

    /// <summary>Waits until <paramref name="entries"/> backlog entries may be published.</summary>
    public async ValueTask WaitAsync(long entries, CancellationToken ct)
    {
        if (_bucket is null)
        {
            return;
        }

        while (entries > 0)
        {
            // A bucket cannot grant more than it holds: ask in bucket-sized parts.
            var part = (int)Math.Min(entries, _bucketSize);
            using var lease = await _bucket.AcquireAsync(part, ct);
            if (!lease.IsAcquired)
            {
                throw new InvalidOperationException("the catch-up rate limiter refused a request it should have queued");
            }

            entries -= part;
        }
    }

    public void Dispose() => _bucket?.Dispose();
}
