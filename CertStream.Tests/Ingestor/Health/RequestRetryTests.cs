using System.Net;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Http;
using CertStream.Ingestor.Health;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.Ingestor.Health;

public sealed class RequestRetryTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeLogger _logger = new();

    [Fact]
    public async Task WaitsTheLogsRetryAfterEvenBeyondTheBackoffCap()
    {
        var ct = TestContext.Current.CancellationToken;
        var pipeline = RequestRetry.Create("log", maxAttempts: 3, _time, _logger);
        var calls = 0;
        var result = pipeline.ExecuteAsync(_ => ++calls == 1
            ? throw new CtHttpException("get-sth answered 429", HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(45))
            : ValueTask.FromResult(42), ct).AsTask();

        // Logged before the wait starts: the wait is the log's 45 s, not the 30 s backoff cap.
        var retry = Assert.Single(_logger.Collector.GetSnapshot());
        Assert.Equal("45000", retry.GetStructuredStateValue("DelayMs"));
        Assert.Equal("1", retry.GetStructuredStateValue("Attempt"));
        Assert.Equal(1, calls);
        _time.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(42, await result.WaitAsync(ct));
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task RetriesMalformedBodiesUpToTheAttemptLimitWithCappedBackoff()
    {
        var ct = TestContext.Current.CancellationToken;
        var pipeline = RequestRetry.Create("log", maxAttempts: 3, _time, _logger);
        var calls = 0;
        var result = pipeline.ExecuteAsync<int>(_ =>
        {
            Interlocked.Increment(ref calls);
            throw new CtDecodeException("truncated body");
        }, ct).AsTask();

        // Each retry is logged before its wait starts; the retry runs on a pool thread once the fake clock fired.
        await using var retries = _logger.Collector.GetLogsAsync(ct).GetAsyncEnumerator(ct);
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            Assert.True(await retries.MoveNextAsync());
            Assert.Equal(attempt.ToString(System.Globalization.CultureInfo.InvariantCulture), retries.Current.GetStructuredStateValue("Attempt"));
            var delayMs = long.Parse(retries.Current.GetStructuredStateValue("DelayMs")!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(delayMs, 0, (long)RequestRetry.MaxDelay.TotalMilliseconds);
            _time.Advance(TimeSpan.FromMilliseconds(delayMs));
        }

        await Assert.ThrowsAsync<CtDecodeException>(() => result.WaitAsync(ct));
        Assert.Equal(3, calls);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, 3)] // a wrong request: retrying will not help
    [InlineData(HttpStatusCode.ServiceUnavailable, 1)] // one attempt configured: no retry
    public async Task DoesNotRetryClientErrorsOrWithASingleAttempt(HttpStatusCode status, int maxAttempts)
    {
        var ct = TestContext.Current.CancellationToken;
        var pipeline = RequestRetry.Create("log", maxAttempts, _time, _logger);
        var calls = 0;
        await Assert.ThrowsAsync<CtHttpException>(async () => await pipeline.ExecuteAsync<int>(_ =>
        {
            calls++;
            throw new CtHttpException("answered", status, null);
        }, ct));
        Assert.Equal(1, calls);
        Assert.Empty(_logger.Collector.GetSnapshot());
    }
}
