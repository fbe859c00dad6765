using CertStream.Ingestor.Coordination;

namespace CertStream.Tests.Ingestor.Coordination;

public sealed class LeasePlannerTests
{
    private static readonly string[] Logs = Enumerable.Range(0, 10).Select(i => $"ct.example/log{i}").ToArray();

    [Theory]
    [InlineData(10, 1, 10)]
    [InlineData(10, 2, 5)]
    [InlineData(10, 3, 4)]
    [InlineData(0, 2, 0)]
    public void ShareIsCeilingOfLogsOverReplicas(int logs, int replicas, int share) =>
        Assert.Equal(share, LeasePlanner.Share(logs, replicas));

    [Fact]
    public void PreferredSetsOfRanksAreDisjointAndCoverEveryLog()
    {
        var seen = new HashSet<string>();
        for (var rank = 0; rank < 3; rank++)
        {
            foreach (var log in Logs.Where(l => LeasePlanner.IsPreferred(l, rank, 3)))
            {
                Assert.True(seen.Add(log), $"{log} preferred by two ranks");
            }
        }

        Assert.Equal(Logs.Length, seen.Count);
    }

    [Fact]
    public void AcquisitionOrderPutsPreferredLogsFirst()
    {
        var order = LeasePlanner.AcquisitionOrder(Logs, rank: 1, replicas: 2);
        var preferred = Logs.Count(l => LeasePlanner.IsPreferred(l, 1, 2));
        Assert.All(order.Take(preferred), l => Assert.True(LeasePlanner.IsPreferred(l, 1, 2)));
        Assert.Equal(Logs.Order(StringComparer.Ordinal), order.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ReleaseOrderGivesUpOnlyTheExcessAndNonPreferredFirst()
    {
        var release = LeasePlanner.ReleaseOrder(Logs, rank: 0, replicas: 2, share: 5);
        Assert.Equal(5, release.Count);
        Assert.Empty(LeasePlanner.ReleaseOrder(Logs.Take(4), rank: 0, replicas: 2, share: 5));
        var keptPreferred = Logs.Except(release).Count(l => LeasePlanner.IsPreferred(l, 0, 2));
        Assert.Equal(Math.Min(5, Logs.Count(l => LeasePlanner.IsPreferred(l, 0, 2))), keptPreferred);
    }

    [Fact]
    public void StableHashDoesNotDependOnTheProcess() =>
        Assert.Equal(0x811C9DC5u, LeasePlanner.StableHash(""));
}
