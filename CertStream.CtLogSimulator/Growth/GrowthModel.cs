namespace CertStream.CtLogSimulator.Growth;

/// <summary>
/// The size of a simulated log as a function of time, and the timestamp of each entry.
/// Nothing runs in the background: the size is computed from the <see cref="TimeProvider"/> when asked,
/// so a test's FakeTimeProvider drives growth exactly. The model is a list of segments, each either a
/// burst (entries added at one instant by <see cref="Grow"/>) or a constant rate; only <see cref="Grow"/>
/// and <see cref="SetRate"/> add segments, so memory does not grow with time.
/// </summary>
internal sealed class GrowthModel
{
    private readonly TimeProvider _time;
    private readonly List<Segment> _segments = [];
    private readonly Lock _gate = new();

    private readonly long _publishIntervalMs;

    // publishIntervalMs 0: the size is live (grows between any two requests). Above 0: the size is what
    // it was at the last multiple of this interval, as a real log that integrates and publishes a tree
    // head every second or so (Sunlight: 1 s); entries added by Grow show at once.
    // initialAgeMs above 0: the initial entries are stamped evenly over that span before now (a log with a
    // history, as an ingestor that was away for that long finds it); 0: all stamped now.
    public GrowthModel(TimeProvider time, long initialSize, double entriesPerSecond, long publishIntervalMs = 0, long initialAgeMs = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(publishIntervalMs);
        ArgumentOutOfRangeException.ThrowIfNegative(initialAgeMs);
        _publishIntervalMs = publishIntervalMs;
        ArgumentOutOfRangeException.ThrowIfNegative(initialSize);
        ValidateRate(entriesPerSecond);
        _time = time;
        var now = NowMs();
        _segments.Add(initialAgeMs > 0 && initialSize > 0
            ? new Segment(0, now - initialAgeMs, initialSize * 1000.0 / initialAgeMs)
            : new Segment(0, now, 0));
        _segments.Add(new Segment(initialSize, now, entriesPerSecond));
    }

    public double EntriesPerSecond
    {
        get
        {
            lock (_gate)
            {
                return _segments[^1].Rate;
            }
        }
    }

    public long Size()
    {
        var now = NowMs();
        if (_publishIntervalMs > 0)
        {
            now -= now % _publishIntervalMs;
        }

        lock (_gate)
        {
            return SizeAt(now);
        }
    }

    /// <summary>Appends <paramref name="count"/> entries now; returns the new size.</summary>
    public long Grow(long count) => Append(count, spreadMs: 0);

    /// <summary>
    /// Appends <paramref name="count"/> entries now whose timestamps are spread evenly over the
    /// <paramref name="spread"/> before now: the backlog a follower finds after being away that long
    /// (catch-up and skip-old-backlog policies look at entry ages). Returns the new size.
    /// </summary>
    public long GrowBackdated(long count, TimeSpan spread)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(spread, TimeSpan.Zero);
        return Append(count, (long)spread.TotalMilliseconds);
    }

    /// <summary>
    /// Two segments: the appended entries (stamped over the last <paramref name="spreadMs"/>, or all
    /// now), then growth at the current rate from the new size.
    /// </summary>
    private long Append(long count, long spreadMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var now = NowMs();
        lock (_gate)
        {
            var size = SizeAt(now);
            if (count == 0)
            {
                return size;
            }

            // Entry j of a backdated backlog is stamped start + (j + 1) / rate (see TimestampMs): the last one now.
            var rate = _segments[^1].Rate;
            _segments.Add(spreadMs == 0 ? new Segment(size, now, 0) : new Segment(size, now - spreadMs, count * 1000.0 / spreadMs));
            _segments.Add(new Segment(size + count, now, rate));
            return size + count;
        }
    }

    /// <summary>Changes the growth rate from now on.</summary>
    public void SetRate(double entriesPerSecond)
    {
        ValidateRate(entriesPerSecond);
        var now = NowMs();
        lock (_gate)
        {
            _segments.Add(new Segment(SizeAt(now), now, entriesPerSecond));
        }
    }

    /// <summary>When entry <paramref name="index"/> was (or will be) appended, in ms since the epoch.</summary>
    public long TimestampMs(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        lock (_gate)
        {
            // The last segment whose first index is <= index holds the entry (later segments may start
            // at the same index when a burst or a rate change added nothing in between).
            var lo = 0;
            var hi = _segments.Count - 1;
            while (lo < hi)
            {
                var mid = (lo + hi + 1) / 2;
                if (_segments[mid].FirstIndex <= index)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            var segment = _segments[lo];
            if (segment.Rate == 0)
            {
                return segment.StartMs;
            }

            // Entry j of a rate segment becomes visible once floor(elapsed * rate) > j.
            return segment.StartMs + (long)Math.Ceiling((index - segment.FirstIndex + 1) * 1000.0 / segment.Rate);
        }
    }

    private long SizeAt(long nowMs)
    {
        var last = _segments[^1];
        if (last.Rate == 0 || nowMs <= last.StartMs)
        {
            return last.FirstIndex;
        }

        return last.FirstIndex + (long)Math.Floor((nowMs - last.StartMs) * last.Rate / 1000.0);
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static void ValidateRate(double entriesPerSecond)
    {
        if (double.IsNaN(entriesPerSecond) || entriesPerSecond < 0 || double.IsInfinity(entriesPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(entriesPerSecond), entriesPerSecond, "must be a finite number >= 0");
        }
    }

    private readonly record struct Segment(long FirstIndex, long StartMs, double Rate);
}
