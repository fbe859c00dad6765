using CertStream.Benchmarks.Fanout;

namespace CertStream.Tests.Gateway.Fanout;

/// <summary>
/// Allocation regression check of the fan-out (issue 12): with the default flush interval, a flush
/// tick runs every client's send loop on the ticking thread, so the allocations of the whole
/// fan-out show in <see cref="GC.GetAllocatedBytesForCurrentThread"/>, free of whatever other tests
/// allocate meanwhile. Budgets: a published message may cost its ring slot (one small object,
/// shared by all clients, 40 bytes) and its share of the flush's <see cref="CertStream.Gateway.Fanout.SharedBatch"/>
/// (one ~64-byte object per tick, whose arrays are pooled); a delivered message costs nothing (the
/// budget is a fraction of a byte, so one allocation per client and message, at least 24 bytes,
/// fails it). Both with shared batches (WebSocket clients) and with every client framing its own. bench/CertStream.Benchmarks
/// (FanoutBenchmarks) reports the same through BenchmarkDotNet's MemoryDiagnoser.
/// </summary>
public sealed class FanoutAllocationTests
{
    private const int Clients = 200; // below StreamTopic.InlineSlice: one thread serves them all
    private const int Batch = 10;
    private const double BytesPerPublishedBudget = 56;
    private const double BytesPerDeliveredBudget = 0.2;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ADeliveredMessageAllocatesNothingAndAPublishedOneOnlyItsRingSlot(bool sharedBatches)
    {
        var ct = TestContext.Current.CancellationToken;
        using var harness = new FanoutHarness(Clients, flushInterval: true, sharedBatches: sharedBatches);
        var messages = Enumerable.Range(0, Batch).Select(i => (ReadOnlyMemory<byte>)TestPayload(1200 + (i * 60))).ToArray();
        long perClient = 0;
        long publishing = 0, delivering = 0;

        void Round()
        {
            var start = GC.GetAllocatedBytesForCurrentThread();
            foreach (var message in messages)
            {
                harness.Publish(message);
            }

            var published = GC.GetAllocatedBytesForCurrentThread();
            harness.FlushTick();
            var delivered = GC.GetAllocatedBytesForCurrentThread();
            publishing += published - start;
            delivering += delivered - published;
            perClient += Batch;
            Assert.Equal(perClient, harness.DeliveredPerClient); // the tick delivered everything before returning
        }

        // Warm-up: first-call allocations (async state machine boxes, pooled arrays, JIT) are not per message.
        for (var i = 0; i < 20; i++)
        {
            Round();
        }

        const int rounds = 100;
        publishing = delivering = 0;
        for (var i = 0; i < rounds && !ct.IsCancellationRequested; i++)
        {
            Round();
        }

        const long published = rounds * Batch;
        const long delivered = published * Clients;
        var perPublished = (double)publishing / published;
        var perDelivered = (double)delivering / delivered;
        Assert.True(perPublished <= BytesPerPublishedBudget, $"publishing: {publishing} bytes for {published} messages, {perPublished:0.0} per message, budget {BytesPerPublishedBudget}");
        Assert.True(perDelivered <= BytesPerDeliveredBudget, $"delivering: {delivering} bytes for {delivered} deliveries ({rounds} flush ticks), {perDelivered:0.000} per delivered message, budget {BytesPerDeliveredBudget}");
        Assert.True(harness.BytesFlushed >= delivered * 1200, "the clients framed and flushed every message");
    }

    // A legacy (header-less) payload starts with '{'; anything else that is no envelope is dropped.
    private static byte[] TestPayload(int size)
    {
        var payload = new byte[size];
        payload[0] = (byte)'{';
        return payload;
    }
}
