using CertStream.Ingestor.Telemetry;

namespace CertStream.Ingestor.Workers;

/// <summary>
/// One Information line per followed log per minute: entries published since the last line, the
/// rate, the cursor and the lag to the tree size. This is the line to read in production logs
/// (requests and per-batch work are logged at Debug only).
/// </summary>
public sealed class ProgressReporter(IngestorMetrics metrics, TimeProvider time, ILogger<ProgressReporter> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, long> _publishedAtLastReport = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        var last = time.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = time.GetTimestamp();
                Report(time.GetElapsedTime(last, now));
                last = now;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Logs one line per followed log for the last <paramref name="elapsed"/>.</summary>
    public void Report(TimeSpan elapsed)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        var followed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var status in metrics.Followed)
        {
            followed.Add(status.Key);
            var published = Volatile.Read(ref status.Published);
            // A log followed again after a pause starts from its total: count it from zero.
            var since = _publishedAtLastReport.TryGetValue(status.Key, out var before) && before <= published ? published - before : published;
            _publishedAtLastReport[status.Key] = published;
            IngestorLog.ProgressReported(logger, status.Key, since, (long)Math.Round(seconds), since / seconds,
                Volatile.Read(ref status.NextIndex), status.Lag, Volatile.Read(ref status.TreeSize));
        }

        foreach (var key in _publishedAtLastReport.Keys.Where(k => !followed.Contains(k)).ToList())
        {
            _publishedAtLastReport.Remove(key);
        }
    }
}
