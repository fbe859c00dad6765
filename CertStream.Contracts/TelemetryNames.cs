namespace CertStream.Contracts;

/// <summary>Meter and ActivitySource names, registered with OpenTelemetry by the service defaults.</summary>
public static class TelemetryNames
{
    public const string Ingestor = "CertStream.Ingestor";
    public const string Gateway = "CertStream.Gateway";

    public static readonly string[] All = [Ingestor, Gateway];
}
