using System.Diagnostics.Metrics;
using CertStream.Contracts;

namespace CertStream.Ingestor.Status;

/// <summary>Instruments of the certificate store: certificates written, and those it had no room or no Redis for.</summary>
public sealed class CertStoreMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _dropped;

    public CertStoreMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(TelemetryNames.Ingestor);
        _stored = _meter.CreateCounter<long>("certstream.ingestor.cert_store.stored", "{certificate}",
            "Certificates written to the certificate store (/api/cert)");
        _dropped = _meter.CreateCounter<long>("certstream.ingestor.cert_store.dropped", "{certificate}",
            "Certificates not stored: the store's queue was full or Redis failed (the streams are not affected)");
    }

    public void Stored(int count) => _stored.Add(count);

    public void Dropped(int count = 1) => _dropped.Add(count);

    public void Dispose() => _meter.Dispose();
}
