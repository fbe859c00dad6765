using BenchmarkDotNet.Attributes;

namespace CertStream.Benchmarks.Fanout;

/// <summary>
/// The gateway's per-message fan-out work (docs: issue 12): one op publishes <see cref="Batch"/>
/// lite-sized messages to <see cref="Clients"/> clients that keep up and delivers them all, as
/// the flush tick does (default <c>flush_interval_ms</c>) or one wake-up per message (0). Results
/// are per delivered message (OperationsPerInvoke = Batch x Clients); the MemoryDiagnoser's
/// "Allocated" column is the allocation per delivered message. The regression check is
/// CertStream.Tests/Gateway/Fanout/FanoutAllocationTests.cs (budgets there).
/// </summary>
public class FanoutBenchmarks
{
    private const int Batch = 10;
    private const int ClientCount = 200;
    private readonly ReadOnlyMemory<byte>[] _messages = new ReadOnlyMemory<byte>[Batch];
    private FanoutHarness _harness = null!;
    private long _perClient;

    [Params(true, false)]
    public bool FlushInterval { get; set; }

    /// <summary>Clients take the flush's shared batch (WebSocket) or frame every message themselves (SSE, TCP); only with a flush interval.</summary>
    [Params(true, false)]
    public bool SharedBatches { get; set; }

    public static int Clients => ClientCount;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        for (var i = 0; i < Batch; i++)
        {
            // The size of a lite certificate_update (1.2-1.8 KB); the bytes do not matter to the fan-out.
            var message = new byte[1200 + random.Next(600)];
            random.NextBytes(message);
            message[0] = (byte)'{'; // a legacy (header-less) payload: the gateway drops what is neither that nor an envelope
            _messages[i] = message;
        }

        _harness = new FanoutHarness(ClientCount, FlushInterval, sharedBatches: SharedBatches);
        _perClient = 0;
    }

    [GlobalCleanup]
    public void Cleanup() => _harness.Dispose();

    [Benchmark(OperationsPerInvoke = Batch * ClientCount, Description = "publish 10, deliver to 200 clients (per delivered message)")]
    public long PublishAndDeliver()
    {
        foreach (var message in _messages)
        {
            _harness.Publish(message);
        }

        if (FlushInterval)
        {
            _harness.FlushTick();
        }

        _perClient += Batch;
        _harness.WaitDelivered(_perClient);
        return _perClient;
    }
}
