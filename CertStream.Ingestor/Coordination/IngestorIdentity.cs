namespace CertStream.Ingestor.Coordination;

/// <summary>This replica's id in Redis: readable (host and pid) and unique across restarts.</summary>
public sealed class IngestorIdentity
{
    public string Id { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
}
