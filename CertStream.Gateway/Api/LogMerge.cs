using CertStream.Contracts.Status;

namespace CertStream.Gateway.Api;

/// <summary>
/// One row per log from every replica's report: the row of the replica that follows the log (the
/// newest report, if two do during a hand-over), else the log's description with no numbers and no
/// holder. Sorted by operator, then name.
/// </summary>
internal static class LogMerge
{
    public static List<LogStatusReport> Merge(IReadOnlyList<IngestorStatusReport> reports)
    {
        var best = new Dictionary<string, (LogStatusReport Log, double Updated)>(StringComparer.Ordinal);
        foreach (var report in reports)
        {
            foreach (var log in report.Logs)
            {
                if (!best.TryGetValue(log.Key, out var current)
                    || (log.Following && (!current.Log.Following || report.Updated > current.Updated)))
                {
                    best[log.Key] = (log, report.Updated);
                }
            }
        }

        return [.. best.Values.Select(v => v.Log)
            .OrderBy(l => l.Operator ?? "\uffff", StringComparer.OrdinalIgnoreCase)
            .ThenBy(l => l.Name ?? l.Key, StringComparer.OrdinalIgnoreCase)];
    }
}
