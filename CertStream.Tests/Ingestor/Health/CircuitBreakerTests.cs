using CertStream.Ingestor.Ct.Http;
using CertStream.Ingestor.Following;
using CertStream.Ingestor.Health;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using CircuitState = CertStream.Ingestor.Health.CircuitState;

namespace CertStream.Tests.Ingestor.Health;

public sealed class CircuitBreakerTests
{
    private static readonly CtHttpException Down = new("get-sth answered 503", System.Net.HttpStatusCode.ServiceUnavailable, null);

    [Fact]
    public async Task OpensAtTheThresholdForAShortPeriodThatGrowsWithEachFailedTrialAndClosesOnSuccess()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        using var breaker = new LogCircuitBreaker(unhealthyThreshold: 3, TimeSpan.FromSeconds(60), time);
        var rounds = 0;
        Task Fail(CancellationToken _)
        {
            rounds++;
            throw Down;
        }

        await Assert.ThrowsAsync<CtHttpException>(() => breaker.ExecuteAsync(Fail, ct));
        Assert.Equal(CircuitState.Degraded, breaker.State);
        await Assert.ThrowsAsync<CtHttpException>(() => breaker.ExecuteAsync(Fail, ct));
        Assert.Equal(CircuitState.Degraded, breaker.State);
        Assert.Equal(TimeSpan.Zero, breaker.OpenPeriod);
        await Assert.ThrowsAsync<CtHttpException>(() => breaker.ExecuteAsync(Fail, ct));
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(3, breaker.ConsecutiveFailures);

        // First trial after 1-2 s (not a fixed 60 s), then each failed trial doubles the wait, capped at the maximum.
        var expectedCeilings = new[] { 2, 4, 8, 16, 32, 60, 60 };
        foreach (var ceiling in expectedCeilings)
        {
            var period = breaker.OpenPeriod;
            Assert.InRange(period.TotalSeconds, ceiling / 2.0, ceiling);
            Assert.Equal(period, WaitBeforeTrial(await Assert.ThrowsAsync<BrokenCircuitException>(() => breaker.ExecuteAsync(Fail, ct))));
            time.Advance(period / 2);
            Assert.Equal(period - (period / 2), WaitBeforeTrial(await Assert.ThrowsAsync<BrokenCircuitException>(() => breaker.ExecuteAsync(Fail, ct))));
            time.Advance(period - (period / 2));
            var before = rounds;
            await Assert.ThrowsAsync<CtHttpException>(() => breaker.ExecuteAsync(Fail, ct)); // the trial round runs and fails: open again, for longer
            Assert.Equal(before + 1, rounds);
            Assert.Equal(CircuitState.Open, breaker.State);
        }

        await Assert.ThrowsAsync<BrokenCircuitException>(() => breaker.ExecuteAsync(_ => Task.CompletedTask, ct)); // still open: not run
        Assert.Equal(CircuitState.Open, breaker.State);
        time.Advance(breaker.OpenPeriod);
        await breaker.ExecuteAsync(_ => Task.CompletedTask, ct);
        Assert.Equal(CircuitState.Healthy, breaker.State);
        Assert.Equal(0, breaker.ConsecutiveFailures);
        Assert.Equal(TimeSpan.Zero, breaker.OpenPeriod);

        // After a success the next outage starts short again.
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<CtHttpException>(() => breaker.ExecuteAsync(Fail, ct));
        }

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.InRange(breaker.OpenPeriod.TotalSeconds, 1, 2);
    }

    [Fact]
    public async Task OnlyFailedRoundsInARowOpenTheCircuit()
    {
        var ct = TestContext.Current.CancellationToken;
        using var breaker = new LogCircuitBreaker(unhealthyThreshold: 3, TimeSpan.FromSeconds(60), new FakeTimeProvider());
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<CtHttpException>(() => breaker.ExecuteAsync(_ => throw Down, ct));
            await Assert.ThrowsAsync<CtHttpException>(() => breaker.ExecuteAsync(_ => throw Down, ct));
            Assert.Equal(CircuitState.Degraded, breaker.State);
            await breaker.ExecuteAsync(_ => Task.CompletedTask, ct);
            Assert.Equal(CircuitState.Healthy, breaker.State);
        }

        await Assert.ThrowsAsync<CtHttpException>(() => breaker.ExecuteAsync(_ => throw Down, ct));
        await Assert.ThrowsAsync<CtHttpException>(() => breaker.ExecuteAsync(_ => throw Down, ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => breaker.ExecuteAsync(_ => throw new InvalidOperationException("bug"), ct));
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task CancellationAndALostLeaseDoNotCountAgainstTheLog()
    {
        // Both end the worker, so no round follows them; they must not open the circuit or be logged as failures.
        var ct = TestContext.Current.CancellationToken;
        using var breaker = new LogCircuitBreaker(unhealthyThreshold: 2, TimeSpan.FromSeconds(60), new FakeTimeProvider());
        await Assert.ThrowsAsync<CtHttpException>(() => breaker.ExecuteAsync(_ => throw Down, ct));
        await Assert.ThrowsAsync<OperationCanceledException>(() => breaker.ExecuteAsync(_ => throw new OperationCanceledException(), ct));
        await Assert.ThrowsAsync<LeaseLostException>(() => breaker.ExecuteAsync(_ => throw new LeaseLostException("log"), ct));
        Assert.Equal(CircuitState.Degraded, breaker.State);
        Assert.Equal(1, breaker.ConsecutiveFailures);
    }

    [Theory]
    [InlineData(1, 125, 250)]
    [InlineData(3, 500, 1000)]
    [InlineData(30, 15000, 30000)]
    public void BackoffDoublesWithJitterAndIsCapped(int attempt, double minMs, double maxMs)
    {
        for (var i = 0; i < 50; i++)
        {
            var delay = Backoff.Delay(attempt, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30)).TotalMilliseconds;
            Assert.InRange(delay, minMs, maxMs);
        }
    }

    private static TimeSpan? WaitBeforeTrial(BrokenCircuitException ex) => ex.RetryAfter;
}
