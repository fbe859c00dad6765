using CertStream.Ingestor.Following;

namespace CertStream.Tests.Ingestor.Following;

public sealed class OrderedFetchPipelineTests
{
    private static int? Next(int? last, int count) => (last ?? -1) + 1 is var n && n < count ? n : null;

    [Fact]
    public async Task DeliversInRangeOrderWhateverOrderFetchesFinishIn()
    {
        var ct = TestContext.Current.CancellationToken;
        var gates = Enumerable.Range(0, 6).Select(_ => new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var delivered = new List<int>();
        var maxInFlight = 0;
        var inFlight = 0;
        var run = OrderedFetchPipeline.RunAsync<int, int>(3, last => Next(last, 6),
            async (range, token) =>
            {
                maxInFlight = Math.Max(maxInFlight, Interlocked.Increment(ref inFlight));
                var value = await gates[range].Task.WaitAsync(token);
                Interlocked.Decrement(ref inFlight);
                return value;
            },
            (range, value) =>
            {
                Assert.Equal(range * 10, value);
                delivered.Add(range);
                return Task.CompletedTask;
            }, ct);

        foreach (var i in new[] { 2, 1, 5, 0, 4, 3 })
        {
            gates[i].SetResult(i * 10);
        }

        await run.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal([0, 1, 2, 3, 4, 5], delivered);
        Assert.InRange(maxInFlight, 1, 3);
    }

    [Fact]
    public async Task AFailureCancelsTheRangesInFlightAndPropagates()
    {
        var ct = TestContext.Current.CancellationToken;
        var cancelled = 0;
        var run = OrderedFetchPipeline.RunAsync<int, int>(3, last => Next(last, 100),
            async (range, token) =>
            {
                if (range == 0)
                {
                    await Task.Yield();
                    throw new InvalidOperationException("range 0 failed");
                }

                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelled);
                    throw;
                }

                return range;
            },
            (_, _) => throw new InvalidOperationException("nothing may be delivered"), ct);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal("range 0 failed", error.Message);
        Assert.Equal(2, cancelled);
    }
}
