using CertStream.Ingestor.Ct.StaticCt;
using CertStream.Ingestor.Verification;
using CertStream.Tests.Ingestor.Ct.StaticCt;

namespace CertStream.Tests.Ingestor.Verification;

/// <summary>The navigli2025h2 data tiles hash to its level-0 tiles, and the level tiles to the tree's roots.</summary>
public sealed class TiledTreeTests
{
    private static readonly byte[] Root778 = Convert.FromBase64String("+WnHOMRZl/LG1669oeskbdK9bcO4nkrY1cfVyknC52U=");
    private static readonly byte[] Root1024 = Convert.FromBase64String("EMfGG85uIddeOXt5/wdQGP3IQd0COCqoLg9Q6CsPLJA=");

    [Fact]
    public void DataTilesHashToTheLevelZeroTiles()
    {
        for (var tile = 0; tile < 4; tile++)
        {
            Assert.Equal(StaticCtTestData.LevelZeroTile(tile), LeafHashes(StaticCtTestData.DataTile(tile), tile, 256));
        }

        // The partial tile is a prefix of the full one, its hashes too.
        Assert.Equal(StaticCtTestData.LevelZeroTile(3)[..(10 * 32)], LeafHashes(StaticCtTestData.PartialDataTile003Width10(), 3, 10));
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(778)]
    public void LevelTilesHashToTheRoot(int size)
    {
        var expected = size == 1024 ? Root1024 : Root778;

        Assert.Equal(expected, TiledTree.Root(size, (level, index) => Tile(size, level, index)));
        // The same root straight from all the leaf hashes.
        Assert.Equal(expected, MerkleTree.Root(AllLeafHashes()[..(size * 32)]));
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(778)]
    public void FlippedBitInAnyTileTheRootNeedsChangesTheRoot(int size)
    {
        var read = new List<(int Level, long Index)>();
        var expected = TiledTree.Root(size, (level, index) =>
        {
            read.Add((level, index));
            return Tile(size, level, index);
        });

        Assert.NotEmpty(read);
        foreach (var (flipLevel, flipIndex) in read.Distinct())
        {
            var length = Tile(size, flipLevel, flipIndex).Length;
            for (var bit = 0; bit < length * 8; bit += 61)
            {
                var root = TiledTree.Root(size, (level, index) => level == flipLevel && index == flipIndex
                    ? VerificationTestData.FlipBit(Tile(size, level, index), bit)
                    : Tile(size, level, index));
                Assert.NotEqual(expected, root);
            }
        }
    }

    [Fact]
    public void ChangedEntryNoLongerHashesToItsLevelZeroTile()
    {
        var data = StaticCtTestData.DataTile(1);
        var leaves = TileLeafDecoder.Decode(data, 1, 256);
        var start = data.AsSpan().IndexOf(leaves[5].TimestampedEntry.Span);
        Assert.True(start > 0);

        // Byte 100 of entry 261's TimestampedEntry lies in its TBS.
        var changed = VerificationTestData.FlipBit(data, (start + 100) * 8);
        Assert.NotEqual(StaticCtTestData.LevelZeroTile(1), LeafHashes(changed, 1, 256));
    }

    /// <summary>The tiles a tree of <paramref name="size"/> publishes: level 0 from the fixtures, level 1 derived (the MTH of each full level-0 tile).</summary>
    private static byte[] Tile(int size, int level, long index)
    {
        var width = (int)Math.Min(256, (size >> (8 * level)) - (index * 256));
        return level switch
        {
            0 => StaticCtTestData.LevelZeroTile((int)index)[..(width * 32)],
            1 => Enumerable.Range(0, width).SelectMany(t => MerkleTree.Root(StaticCtTestData.LevelZeroTile(t))).ToArray(),
            _ => throw new InvalidOperationException($"level {level} is not needed below 65536 entries"),
        };
    }

    private static byte[] AllLeafHashes() => Enumerable.Range(0, 4).SelectMany(StaticCtTestData.LevelZeroTile).ToArray();

    private static byte[] LeafHashes(byte[] dataTile, long tile, int width)
    {
        var hashes = new byte[width * 32];
        var leaves = TileLeafDecoder.Decode(dataTile, tile, width);
        for (var i = 0; i < width; i++)
        {
            leaves[i].ComputeLeafHash(hashes.AsSpan(i * 32, 32));
        }

        return hashes;
    }
}
