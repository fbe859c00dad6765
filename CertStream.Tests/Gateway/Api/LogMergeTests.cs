using CertStream.Contracts.Status;
using CertStream.Gateway.Api;

namespace CertStream.Tests.Gateway.Api;

/// <summary>Unit checks of the pieces behind /api/logs and /api/cert: merging the replicas' rows, reading a hash.</summary>
public sealed class LogMergeTests
{
    [Fact]
    public void EachLogIsShownOnceFromTheReplicaThatFollowsItTheNewestDuringAHandOver()
    {
        static LogStatusReport Row(string key, bool following, long? next = null) =>
            new() { Key = key, Name = key, Operator = "Op", Following = following, NextIndex = next };
        var a = new IngestorStatusReport { Id = "a", Updated = 100, Logs = [Row("x", following: true, 5), Row("y", following: false), Row("z", following: true, 1)] };
        var b = new IngestorStatusReport { Id = "b", Updated = 101, Logs = [Row("x", following: false), Row("y", following: true, 7), Row("z", following: true, 2)] };

        var merged = LogMerge.Merge([a, b]).ToDictionary(l => l.Key);

        Assert.Equal(3, merged.Count);
        Assert.Equal(5, merged["x"].NextIndex);
        Assert.Equal(7, merged["y"].NextIndex);
        Assert.Equal(2, merged["z"].NextIndex); // both claim it for a moment: the newer report wins
        Assert.Equal(merged.Values.Select(v => v.Key), LogMerge.Merge([b, a]).Select(v => v.Key)); // the order is the logs', not the replicas'
    }

    [Theory]
    [InlineData("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", true)]
    [InlineData("9f:86:d0:81:88:4c:7d:65:9a:2f:ea:a0:c5:5a:d0:15:a3:bf:4f:1b:2b:0b:82:2c:d1:5d:6c:15:b0:f0:0a:08", true)]
    [InlineData("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B", false)]
    [InlineData("9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:A3:BF:4F:1B", false)]
    public void AHashIsReadInAnyCaseWithOrWithoutColons(string text, bool sha256)
    {
        Assert.True(CertificateId.TryParse(text, out var id));
        Assert.Equal(sha256, id.IsSha256);
        Assert.Equal(text.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant(), id.Hex);
    }

    [Theory]
    [InlineData("")]
    [InlineData("xyz")]
    [InlineData("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1")] // 39
    [InlineData("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A0800")] // 66
    [InlineData("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1G")] // not hex
    [InlineData("9F86D081-884C7D659A2FEAA0C55AD015A3BF4F1B")]
    public void AnythingElseIsNotAHash(string text) => Assert.False(CertificateId.TryParse(text, out _));
}
