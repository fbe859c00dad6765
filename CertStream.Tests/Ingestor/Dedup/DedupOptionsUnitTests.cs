using CertStream.Ingestor.Dedup;
using CertStream.ServiceDefaults.Configuration;

namespace CertStream.Tests.Ingestor.Dedup;

public sealed class DedupOptionsUnitTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(3600)]
    [InlineData(DedupOptionsValidator.MaxWindowSecs)]
    public void ValidWindows(int seconds) =>
        Assert.True(new DedupOptionsValidator().Validate(null, new DedupOptions { WindowSecs = seconds }).Succeeded);

    [Theory]
    [InlineData(-1)]
    [InlineData(DedupOptionsValidator.MaxWindowSecs + 1)]
    public void AnInvalidWindowIsNamedWithItsKeyAndVariable(int seconds)
    {
        var result = new DedupOptionsValidator().Validate(null, new DedupOptions { WindowSecs = seconds });
        Assert.True(result.Failed);
        Assert.Contains("dedup:window_secs (CERTSTREAM_DEDUP_WINDOW_SECS)", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void TheWindowDefaultsToAnHourAndHasItsVariable()
    {
        Assert.Equal(3600, new DedupOptions().WindowSecs);
        Assert.Equal("dedup:window_secs", CertStreamEnvironmentVariables.Keys["CERTSTREAM_DEDUP_WINDOW_SECS"]);
    }
}
