using CertStream.Ingestor.Ct;

namespace CertStream.Tests.Ingestor.Ct.StaticCt;

public sealed class TilePathUnitTests
{
    [Theory]
    [InlineData(0L, "000")]
    [InlineData(5L, "005")]
    [InlineData(272L, "272")]
    [InlineData(999L, "999")]
    [InlineData(1000L, "x001/000")]
    [InlineData(1234067L, "x001/x234/067")]
    [InlineData(1000000L, "x001/x000/000")]
    public void EncodesTileIndicesAsInTlogTiles(long n, string expected) => Assert.Equal(expected, TilePath.Encode(n));

    [Fact]
    public void TreeOf70000HasFullTilesUpTo272AndThePartial273Of112()
    {
        // tlog-tiles' worked example (docs/ct-protocols.md §2.3).
        Assert.Equal(273, TilePath.FullTileCount(70000));
        Assert.Equal(112, TilePath.PartialTileWidth(70000));
        Assert.Equal("tile/data/272", TilePath.DataTilePath(272));
        Assert.Equal("tile/data/273.p/112", TilePath.DataTilePath(273, 112));
        Assert.Equal("https://log.example/tile/data/x001/x234/067.p/1", TilePath.DataTileUrlForTile("https://log.example/", 1234067, 1));
    }

    [Fact]
    public void ATreeOfWholeTilesHasNoPartialTile()
    {
        Assert.Equal(1, TilePath.FullTileCount(256));
        Assert.Equal(0, TilePath.PartialTileWidth(256));
        Assert.Equal(0, TilePath.FullTileCount(255));
        Assert.Equal(255, TilePath.PartialTileWidth(255));
    }

    [Fact]
    public void UrlsHangOffTheMonitoringUrl()
    {
        Assert.Equal("https://log.example/tile/data/003", TilePath.DataTileUrl("https://log.example/", 1023));
        Assert.Equal("https://log.example/checkpoint", TilePath.CheckpointUrl("https://log.example/"));
        Assert.Equal("https://log.example/issuer/ab", TilePath.IssuerUrl("https://log.example/", "ab"));
        Assert.Throws<ArgumentOutOfRangeException>(() => TilePath.DataTilePath(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TilePath.DataTilePath(0, 257));
        Assert.Throws<ArgumentOutOfRangeException>(() => TilePath.Encode(-1));
    }
}
