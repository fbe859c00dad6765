namespace CertStream.LoadTool;

/// <summary>
/// Latency histogram, 50 µs buckets up to 1 s and 10 ms buckets up to 60 s. Each thread counts
/// into its own array (no shared cache lines on the receive path); quantiles merge them.
/// </summary>
internal sealed class LatencyHistogram
{
    private const double Fine = 0.000_05;
    private const int FineBuckets = 20_000;
    private const double Coarse = 0.01;
    private const int CoarseBuckets = 5_900;
    private const int Buckets = FineBuckets + CoarseBuckets + 1;
    private readonly ThreadLocal<long[]> _counts = new(() => new long[Buckets], trackAllValues: true);

    public void Record(double seconds)
    {
        var index = seconds < 0 ? 0
            : seconds < FineBuckets * Fine ? (int)(seconds / Fine)
            : Math.Min(FineBuckets + (int)((seconds - FineBuckets * Fine) / Coarse), Buckets - 1);
        _counts.Value![index]++;
    }

    /// <summary>The upper edge of the bucket holding the given quantile, in milliseconds (call when recording has stopped).</summary>
    public double QuantileMs(double q)
    {
        var merged = new long[Buckets];
        foreach (var counts in _counts.Values)
        {
            for (var i = 0; i < Buckets; i++)
            {
                merged[i] += counts[i];
            }
        }

        var total = merged.Sum();
        if (total == 0)
        {
            return double.NaN;
        }

        var target = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < Buckets; i++)
        {
            seen += merged[i];
            if (seen >= target)
            {
                var upper = i < FineBuckets ? (i + 1) * Fine : (FineBuckets * Fine) + ((i - FineBuckets + 1) * Coarse);
                return upper * 1000;
            }
        }

        return double.PositiveInfinity;
    }
}
