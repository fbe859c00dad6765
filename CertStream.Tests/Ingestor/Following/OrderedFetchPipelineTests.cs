using CertStream.Ingestor.Following;
using CertStream.Ingestor.Options;
using Microsoft.Extensions.Options;

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

    private sealed class Result(int range) : IDisposable
    {
        public int Range => range;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private static FetchBudget Budget(int slots) => new(Options.Create(new CtLogOptions { MaxFetchesInFlight = slots }));

    [Fact]
    public async Task EachRangeHoldsABudgetSlotUntilDeliveredAndItsResultIsDisposedThen()
    {
        var ct = TestContext.Current.CancellationToken;
        using var budget = Budget(2);
        var results = new List<Result>();
        var maxInFlight = 0;
        var inFlight = 0;
        await OrderedFetchPipeline.RunAsync<int, Result>(4, budget, last => Next(last, 6),
            async (range, token) =>
            {
                maxInFlight = Math.Max(maxInFlight, Interlocked.Increment(ref inFlight));
                await Task.Yield();
                Interlocked.Decrement(ref inFlight);
                var result = new Result(range);
                lock (results)
                {
                    results.Add(result);
                }

                return result;
            },
            (range, result) =>
            {
                Assert.False(result.Disposed);
                Assert.Equal(range, result.Range);
                return Task.CompletedTask;
            }, ct).WaitAsync(TimeSpan.FromSeconds(10), ct);

        Assert.InRange(maxInFlight, 1, 2);
        Assert.Equal(6, results.Count);
        Assert.All(results, r => Assert.True(r.Disposed));
        Assert.Equal(2, budget.Available);
    }

    [Fact]
    public async Task ALogWaitsForASlotHeldByAnotherLog()
    {
        var ct = TestContext.Current.CancellationToken;
        using var budget = Budget(1);
        await budget.WaitAsync(ct); // another log's window
        var fetched = 0;
        var run = OrderedFetchPipeline.RunAsync<int, int>(4, budget, last => Next(last, 3),
            (range, _) =>
            {
                Interlocked.Increment(ref fetched);
                return Task.FromResult(range);
            },
            (_, _) => Task.CompletedTask, ct);

        await Task.Yield();
        Assert.False(run.IsCompleted);
        Assert.Equal(0, Volatile.Read(ref fetched));
        budget.Return();
        await run.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(3, fetched);
        Assert.Equal(1, budget.Available);
    }

    [Fact]
    public async Task AFailureDisposesTheResultsInFlightAndReturnsTheirSlots()
    {
        var ct = TestContext.Current.CancellationToken;
        using var budget = Budget(3);
        var others = new List<Result>();
        var othersDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = OrderedFetchPipeline.RunAsync<int, Result>(3, budget, last => Next(last, 3),
            async (range, token) =>
            {
                if (range == 0)
                {
                    await othersDone.Task.WaitAsync(token);
                    throw new InvalidOperationException("range 0 failed");
                }

                var result = new Result(range);
                lock (others)
                {
                    others.Add(result);
                    if (others.Count == 2)
                    {
                        othersDone.SetResult();
                    }
                }

                return result;
            },
            (_, _) => throw new InvalidOperationException("nothing may be delivered"), ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal(2, others.Count);
        Assert.All(others, r => Assert.True(r.Disposed));
        Assert.Equal(3, budget.Available);
    }
}
