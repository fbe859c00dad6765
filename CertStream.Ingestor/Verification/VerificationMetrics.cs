using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CertStream.Contracts;

namespace CertStream.Ingestor.Verification;

/// <summary>
/// Instruments of log verification, tagged with the log: precert entries whose pre_certificate is not the
/// logged TBS, verification failures by check, tree heads verified, and a gauge of the logs that failed.
/// </summary>
public sealed class VerificationMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _precertMismatches;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _verifiedHeads;
    private readonly ConcurrentDictionary<string, string> _failedLogs = new(StringComparer.Ordinal);

    public VerificationMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(TelemetryNames.Ingestor);
        _precertMismatches = _meter.CreateCounter<long>("certstream.ingestor.precert_tbs_mismatches", "{entry}",
            "Precert entries whose pre_certificate is not the logged TBS (streamed from the TBS, marked)");
        _failures = _meter.CreateCounter<long>("certstream.ingestor.verification_failures", "{failure}",
            "Signature, consistency or inclusion checks a log failed");
        _verifiedHeads = _meter.CreateCounter<long>("certstream.ingestor.verified_tree_heads", "{head}",
            "STHs and checkpoints whose signature (and consistency with the previous one) verified");
        _meter.CreateObservableGauge("certstream.ingestor.log_integrity_failed", ObserveFailed, "{log}",
            "1 for each followed log that failed verification (tag check: the first check it failed)");
    }

    public void PrecertMismatch(string logKey) => _precertMismatches.Add(1, new KeyValuePair<string, object?>("log", logKey));

    public void TreeHeadVerified(string logKey) => _verifiedHeads.Add(1, new KeyValuePair<string, object?>("log", logKey));

    /// <summary>Counts a failure and marks the log until <see cref="Clear"/>.</summary>
    public void Failed(string logKey, string check)
    {
        _failures.Add(1, new KeyValuePair<string, object?>("log", logKey), new KeyValuePair<string, object?>("check", check));
        _failedLogs.TryAdd(logKey, check);
    }

    /// <summary>Marks a log that failed earlier (state loaded from Redis) without counting the failure again.</summary>
    public void MarkFailed(string logKey, string check) => _failedLogs.TryAdd(logKey, check);

    public bool HasFailed(string logKey) => _failedLogs.ContainsKey(logKey);

    public void Clear(string logKey) => _failedLogs.TryRemove(logKey, out _);

    private IEnumerable<Measurement<int>> ObserveFailed()
    {
        foreach (var (log, check) in _failedLogs)
        {
            yield return new Measurement<int>(1, new KeyValuePair<string, object?>("log", log), new KeyValuePair<string, object?>("check", check));
        }
    }

    public void Dispose() => _meter.Dispose();
}
