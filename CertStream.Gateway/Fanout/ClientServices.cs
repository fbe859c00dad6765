using CertStream.Gateway.Options;
using CertStream.Gateway.Telemetry;

namespace CertStream.Gateway.Fanout;

/// <summary>What every client connection of a node shares: settings (as timestamp ticks), clock, metrics, logger.</summary>
internal sealed class ClientServices
{
    public ClientServices(GatewayOptions options, int bufferSize, TimeProvider time, GatewayMetrics metrics, ILogger logger)
    {
        Options = options;
        BufferSize = bufferSize;
        Time = time;
        Metrics = metrics;
        Logger = logger;
        HeartbeatTicks = Ticks(options.HeartbeatInterval);
        PingTicks = Ticks(options.PingInterval);
        DeadPeerTicks = Ticks(options.DeadPeerTimeout);
        SlowClientGraceTicks = Ticks(options.SlowClientGrace);
    }

    public GatewayOptions Options { get; }

    /// <summary>The replay buffer, for clients that resume (null: resuming starts at the live stream).</summary>
    public ReplayReader? Replay { get; init; }

    public int BufferSize { get; }

    public TimeProvider Time { get; }

    public GatewayMetrics Metrics { get; }

    public ILogger Logger { get; }

    public long HeartbeatTicks { get; }

    public long PingTicks { get; }

    public long DeadPeerTicks { get; }

    public long SlowClientGraceTicks { get; }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Time.TimestampFrequency);
}
