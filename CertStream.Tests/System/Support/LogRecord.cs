namespace CertStream.Tests.SystemTests.Support;

/// <summary>
/// Every index of one log a client received: which ones, how often, in what order. Not thread-safe
/// (the client's read loop writes it under the client's lock).
/// </summary>
public sealed class LogRecord(string url)
{
    private readonly HashSet<long> _seen = [];

    public string Url { get; } = url;

    public long First { get; private set; } = -1;

    public long Min { get; private set; } = long.MaxValue;

    public long Max { get; private set; } = -1;

    public long Last { get; private set; } = -1;

    public long Received { get; private set; }

    public long Duplicates { get; private set; }

    /// <summary>Times an index arrived below its predecessor (a replay or reordering).</summary>
    public long Backwards { get; private set; }

    public long Distinct => _seen.Count;

    public void Add(long index)
    {
        Received++;
        if (First < 0)
        {
            First = index;
        }

        if (Last >= 0 && index < Last)
        {
            Backwards++;
        }

        Last = index;
        Min = Math.Min(Min, index);
        Max = Math.Max(Max, index);
        if (!_seen.Add(index))
        {
            Duplicates++;
        }
    }

    public bool Contains(long index) => _seen.Contains(index);

    /// <summary>Indices between the first and the highest received that never arrived, as ranges.</summary>
    public IReadOnlyList<(long From, long To)> Missing(long? from = null, long? to = null)
    {
        var gaps = new List<(long, long)>();
        if (Max < 0)
        {
            return gaps;
        }

        var start = from ?? Min;
        var end = to ?? Max;
        long? gapStart = null;
        for (var i = start; i <= end; i++)
        {
            if (!_seen.Contains(i))
            {
                gapStart ??= i;
            }
            else if (gapStart is { } g)
            {
                gaps.Add((g, i - 1));
                gapStart = null;
            }
        }

        if (gapStart is { } last)
        {
            gaps.Add((last, end));
        }

        return gaps;
    }

    public long MissingCount(long? from = null, long? to = null) => Missing(from, to).Sum(g => g.To - g.From + 1);

    public override string ToString()
    {
        var missing = Missing();
        var shown = string.Join(", ", missing.Take(10).Select(g => g.From == g.To ? $"{g.From}" : $"{g.From}..{g.To}"));
        return $"{Url}: first {First}, range {Min}..{Max}, {Received} received, {Distinct} distinct, {Duplicates} duplicates, "
            + $"{Backwards} backwards, missing {missing.Sum(g => g.To - g.From + 1)} in {missing.Count} gaps{(missing.Count > 0 ? " [" + shown + "]" : "")}";
    }
}
