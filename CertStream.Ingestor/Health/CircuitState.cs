namespace CertStream.Ingestor.Health;

/// <summary>A log's health as shown in metrics (the numeric value) and logs.</summary>
public enum CircuitState
{
    Healthy = 0,

    /// <summary>Recent failures, still trying at the normal pace.</summary>
    Degraded = 1,

    /// <summary>Too many consecutive failures: only a trial request after the open period.</summary>
    Open = 2,
}
