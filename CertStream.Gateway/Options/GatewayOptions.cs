
namespace CertStream.Gateway.Options;

/// <summary>
/// Section <c>gateway:</c>: the gateway's own tunables. The per-client queue length is the shared
/// top-level <c>buffer_size</c>; the protocols are <c>protocols:</c>. Every field has a default.
/// </summary>
public sealed class GatewayOptions
{
    public const string Section = "gateway";

    /// <summary>
    /// A JSON heartbeat goes to a connection that has been sent no JSON message (data or heartbeat)
    /// for this long; WebSocket control frames (pings, pongs) do not count: clients time out JSON reads.
    /// </summary>
    [ConfigurationKeyName("heartbeat_interval_secs")] public double HeartbeatIntervalSecs { get; init; } = 10;

    /// <summary>WebSocket ping frames are sent this often.</summary>
    [ConfigurationKeyName("ping_interval_secs")] public double PingIntervalSecs { get; init; } = 30;

    /// <summary>
    /// A WebSocket peer from which nothing (not even a pong) has arrived for this long, or any
    /// connection whose write has not completed for this long, is closed.
    /// </summary>
    [ConfigurationKeyName("dead_peer_timeout_secs")] public double DeadPeerTimeoutSecs { get; init; } = 90;

    /// <summary>
    /// Bytes of messages kept per stream kind for clients that are behind; a client's backlog is
    /// bounded by this and by <c>buffer_size</c> messages, whichever is reached first.
    /// </summary>
    [ConfigurationKeyName("max_queue_bytes")] public long MaxQueueBytes { get; init; } = 8 * 1024 * 1024;

    [ConfigurationKeyName("slow_client_policy")] public SlowClientPolicy SlowClientPolicy { get; init; } = SlowClientPolicy.Disconnect;

    /// <summary>With policy <c>disconnect</c>: a client that lost messages and has not caught up this long after its first loss is closed.</summary>
    [ConfigurationKeyName("slow_client_grace_secs")] public double SlowClientGraceSecs { get; init; } = 30;

    /// <summary>Largest inbound WebSocket message (all fragments) accepted; larger ones close the connection with 1009.</summary>
    [ConfigurationKeyName("max_inbound_message_bytes")] public int MaxInboundMessageBytes { get; init; } = 4096;

    /// <summary>
    /// Messages for a client are gathered for up to this long and written with one flush. 0 writes
    /// every message as soon as it arrives. A write costs the same CPU (mostly the kernel's, on
    /// loopback the receiver's too) whether it carries 5 messages or 15, so the interval divides the
    /// gateway's CPU per message at high rates, at a latency cost of at most this much: 25 ms is
    /// about 12 lite messages per write at 500/s and leaves half of a 50 ms p99 budget for the rest
    /// of the path (bench/README.md has the measurements).
    /// </summary>
    [ConfigurationKeyName("flush_interval_ms")] public int FlushIntervalMs { get; init; } = 25;

    /// <summary>
    /// Runs Kestrel's socket continuations on its I/O threads instead of hopping to the thread pool
    /// (Kestrel's <c>UnsafePreferInlineScheduling</c>): a flush then reaches the socket on the
    /// writing thread, one context switch fewer per batch. Safe here because no gateway handler
    /// blocks. Pair with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 for the runtime layer.
    /// </summary>
    [ConfigurationKeyName("inline_io")] public bool InlineIo { get; init; } = true;

    /// <summary>
    /// WebSocket batches on plain (not TLS) connections go straight to the socket, one send each,
    /// instead of through Kestrel's output pipe (a copy and its bookkeeping fewer per batch). Needs
    /// <c>inline_io</c>, which orders the upgrade's 101 response before the first frame.
    /// </summary>
    [ConfigurationKeyName("direct_writes")] public bool DirectWrites { get; init; } = true;

    /// <summary>How long a closing WebSocket waits for its final write and the peer's close frame.</summary>
    [ConfigurationKeyName("close_timeout_secs")] public double CloseTimeoutSecs { get; init; } = 5;

    /// <summary>How long a TCP client has to send its stream selector byte before it gets lite.</summary>
    [ConfigurationKeyName("tcp_selector_timeout_ms")] public int TcpSelectorTimeoutMs { get; init; } = 1000;

    public TimeSpan HeartbeatInterval => TimeSpan.FromSeconds(HeartbeatIntervalSecs);
    public TimeSpan PingInterval => TimeSpan.FromSeconds(PingIntervalSecs);
    public TimeSpan DeadPeerTimeout => TimeSpan.FromSeconds(DeadPeerTimeoutSecs);
    public TimeSpan SlowClientGrace => TimeSpan.FromSeconds(SlowClientGraceSecs);
    public TimeSpan CloseTimeout => TimeSpan.FromSeconds(CloseTimeoutSecs);
    public TimeSpan FlushInterval => TimeSpan.FromMilliseconds(FlushIntervalMs);
    public TimeSpan TcpSelectorTimeout => TimeSpan.FromMilliseconds(TcpSelectorTimeoutMs);
}
