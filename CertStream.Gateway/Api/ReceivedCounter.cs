using System.Diagnostics.Metrics;
using CertStream.Contracts;
using CertStream.Gateway.Telemetry;

namespace CertStream.Gateway.Api;

/// <summary>
/// Messages this node received from Redis per stream, read off its own
/// <c>certstream.gateway.messages.received</c> counter with a <see cref="MeterListener"/>, so the
/// fan-out's hot path needs no second tally. Only this node's meter is listened to (several nodes
/// can share a process in tests): the one its <see cref="IMeterFactory"/> created.
/// </summary>
internal sealed class ReceivedCounter : IDisposable
{
    private readonly long[] _received = new long[StreamKinds.Count];
    private readonly MeterListener _listener = new();

    public ReceivedCounter(IMeterFactory meterFactory, GatewayMetrics metrics)
    {
        _ = metrics; // the instrument exists once GatewayMetrics does: published to the listener on Start
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == GatewayMetrics.MessagesReceivedName && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                listener.EnableMeasurementEvents(instrument, this);
            }
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((ReceivedCounter)state!).Add(value, tags));
        _listener.Start();
    }

    public long Total(StreamKind kind) => Volatile.Read(ref _received[(int)kind]);

    private void Add(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "stream" && tag.Value is string name)
            {
                foreach (var kind in StreamKinds.All)
                {
                    if (StreamKinds.Name(kind) == name)
                    {
                        Interlocked.Add(ref _received[(int)kind], value);
                        return;
                    }
                }
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
