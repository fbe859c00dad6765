using CertStream.Ingestor.Health;

namespace CertStream.Ingestor.Telemetry;

/// <summary>The live numbers of one followed log, read by the observable gauges and logs.</summary>
public sealed class LogStatus(string key)
{
    public string Key { get; } = key;

    public long TreeSize;
    public long NextIndex;
    public long Published;
    public CircuitState Circuit;

    /// <summary>Entries skipped as undecodable and CT requests that failed, since the log was taken (for /api/logs).</summary>
    public long DecodeFailures;
    public long RequestErrors;

    /// <summary>The first verification check the log failed (Verification/LogIntegrity.cs), null while it passes.</summary>
    public string? IntegrityFailure;

    public long Lag => Math.Max(0, Volatile.Read(ref TreeSize) - Volatile.Read(ref NextIndex));
}
