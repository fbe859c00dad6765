using CertStream.Ingestor.Health;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.Ingestor.Health;

public sealed class CircuitBreakerTests
{
    [Fact]
    public void OpensAtTheThresholdForAShortPeriodThatGrowsWithEachFailedTrialAndClosesOnSuccess()
    {
        var time = new FakeTimeProvider();
        var breaker = new LogCircuitBreaker(unhealthyThreshold: 3, TimeSpan.FromSeconds(60), time);
        Assert.Equal(CircuitState.Healthy, breaker.OnFailure());
        Assert.Equal(CircuitState.Degraded, breaker.State);
        Assert.Null(breaker.OnFailure());
        Assert.Equal(TimeSpan.Zero, breaker.WaitBeforeNextRound());
        Assert.Equal(CircuitState.Degraded, breaker.OnFailure());
        Assert.Equal(CircuitState.Open, breaker.State);

        // First trial after 1-2 s (not a fixed 60 s), then each failed trial doubles the wait, capped at the maximum.
        var expectedCeilings = new[] { 2, 4, 8, 16, 32, 60, 60 };
        foreach (var ceiling in expectedCeilings)
        {
            var wait = breaker.WaitBeforeNextRound();
            Assert.Equal(breaker.OpenPeriod, wait);
            Assert.InRange(wait.TotalSeconds, ceiling / 2.0, ceiling);
            time.Advance(wait / 2);
            Assert.Equal(wait - (wait / 2), breaker.WaitBeforeNextRound());
            time.Advance(wait - (wait / 2));
            Assert.Equal(TimeSpan.Zero, breaker.WaitBeforeNextRound());
            Assert.Null(breaker.OnFailure()); // the trial round failed: open again, for longer
        }

        Assert.Equal(CircuitState.Open, breaker.OnSuccess());
        Assert.Equal(CircuitState.Healthy, breaker.State);
        Assert.Equal(0, breaker.ConsecutiveFailures);

        // After a success the next outage starts short again.
        for (var i = 0; i < 3; i++)
        {
            breaker.OnFailure();
        }

        Assert.InRange(breaker.WaitBeforeNextRound().TotalSeconds, 1, 2);
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
}
