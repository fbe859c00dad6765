using CertStream.Ingestor.Health;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.Ingestion;

public sealed class CircuitBreakerTests
{
    [Fact]
    public void OpensAtTheThresholdWaitsTheOpenPeriodAndClosesOnSuccess()
    {
        var time = new FakeTimeProvider();
        var breaker = new LogCircuitBreaker(unhealthyThreshold: 3, TimeSpan.FromSeconds(60), time);
        Assert.Equal(CircuitState.Healthy, breaker.OnFailure());
        Assert.Equal(CircuitState.Degraded, breaker.State);
        Assert.Null(breaker.OnFailure());
        Assert.Equal(TimeSpan.Zero, breaker.WaitBeforeNextRound());
        Assert.Equal(CircuitState.Degraded, breaker.OnFailure());
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(TimeSpan.FromSeconds(60), breaker.WaitBeforeNextRound());

        time.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(TimeSpan.FromSeconds(15), breaker.WaitBeforeNextRound());
        time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(TimeSpan.Zero, breaker.WaitBeforeNextRound());

        Assert.Equal(CircuitState.Open, breaker.OnSuccess());
        Assert.Equal(CircuitState.Healthy, breaker.State);
        Assert.Equal(0, breaker.ConsecutiveFailures);
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
