using System.Net.Http.Headers;
using CertStream.Ingestor.Ct.Http;

namespace CertStream.Tests.Ingestor.Ct.Http;

public sealed class RetryAfterParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ReadsDeltaSeconds() =>
        Assert.Equal(TimeSpan.FromSeconds(7), RetryAfterParser.Parse(RetryConditionHeaderValue.Parse("7"), Now));

    [Fact]
    public void ReadsAnHttpDate() =>
        Assert.Equal(TimeSpan.FromSeconds(30), RetryAfterParser.Parse(RetryConditionHeaderValue.Parse("Thu, 26 Nov 2026 12:00:30 GMT"), Now));

    [Fact]
    public void ClampsPastDatesAndHugeDelays()
    {
        Assert.Equal(TimeSpan.Zero, RetryAfterParser.Parse(RetryConditionHeaderValue.Parse("Thu, 26 Nov 2026 11:00:00 GMT"), Now));
        Assert.Equal(RetryAfterParser.Max, RetryAfterParser.Parse(RetryConditionHeaderValue.Parse("86400"), Now));
        Assert.Null(RetryAfterParser.Parse(null, Now));
    }
}
