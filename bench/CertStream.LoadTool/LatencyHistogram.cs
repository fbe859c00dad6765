namespace CertStream.LoadTool;

/// <summary>Thread-safe latency histogram: 50 µs buckets up to 1 s, 10 ms buckets up to 60 s.</summary>
internal sealed class LatencyHistogram
{
    private const double Fine = 0.000_05;
    private const int FineBuckets = 20_000;
    private const double Coarse = 0.01;
    private const int CoarseBuckets = 5_900;
    private readonly long[] _counts = new long[FineBuckets + CoarseBuckets + 1];

    public void Record(double seconds)
    {
        var index = seconds < 0 ? 0
            : seconds < FineBuckets * Fine ? (int)(seconds / Fine)
            : Math.Min(FineBuckets + (int)((seconds - FineBuckets * Fine) / Coarse), _counts.Length - 1);
        Interlocked.Increment(ref _counts[index]);
    }

    /// <summary>The upper edge of the bucket holding the given quantile, in milliseconds.</summary>
    public double QuantileMs(double q)
    {
        var total = _counts.Sum();
        if (total == 0)
        {
            return double.NaN;
        }

        var target = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= target)
            {
                var upper = i < FineBuckets ? (i + 1) * Fine : (FineBuckets * Fine) + ((i - FineBuckets + 1) * Coarse);
                return upper * 1000;
            }
        }

        return double.PositiveInfinity;
    }
}
