using CertStream.CtLogSimulator.Growth;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.CtLogSimulator;

public sealed class GrowthModelUnitTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void SizeFollowsTheRateBurstsAndRateChanges()
    {
        var time = new FakeTimeProvider(Start);
        var growth = new GrowthModel(time, initialSize: 10, entriesPerSecond: 2);

        time.Advance(TimeSpan.FromMilliseconds(1499));
        Assert.Equal(12, growth.Size());
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(13, growth.Size());
        Assert.Equal(20, growth.Grow(7));
        growth.SetRate(0);
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(20, growth.Size());
        growth.SetRate(1000);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1020, growth.Size());
    }

    [Fact]
    public void TimestampsAreWhenEachEntryAppearedAndNeverChange()
    {
        var time = new FakeTimeProvider(Start);
        var growth = new GrowthModel(time, initialSize: 10, entriesPerSecond: 4);
        var t0 = Start.ToUnixTimeMilliseconds();

        time.Advance(TimeSpan.FromSeconds(1));
        growth.Grow(3);
        var before = Enumerable.Range(0, 17).Select(i => growth.TimestampMs(i)).ToArray();
        growth.SetRate(1);
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(t0, growth.TimestampMs(9));
        Assert.Equal(t0 + 250, growth.TimestampMs(10));
        Assert.Equal(t0 + 1000, growth.TimestampMs(13));
        Assert.Equal(t0 + 1000, growth.TimestampMs(16));
        Assert.Equal(before, Enumerable.Range(0, 17).Select(i => growth.TimestampMs(i)));
        Assert.Equal(22, growth.Size());
        Assert.Equal(t0 + 1000 + 1000, growth.TimestampMs(17));
        Assert.Equal(t0 + 1000 + 5000, growth.TimestampMs(21));
    }

    [Fact]
    public void NegativeOrNonFiniteRatesAreRejected()
    {
        var time = new FakeTimeProvider(Start);

        Assert.Throws<ArgumentOutOfRangeException>(() => new GrowthModel(time, 0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GrowthModel(time, 0, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GrowthModel(time, -1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GrowthModel(time, 0, 0).Grow(-1));
    }
}
