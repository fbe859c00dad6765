using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.StaticCt;

namespace CertStream.Tests.Ingestor.Ct.StaticCt;

public sealed class TileLeafDecoderUnitTests
{
    private const string PoisonOid = "1.3.6.1.4.1.11129.2.4.3";

    [Fact]
    public void DecodesTheFourRealNavigliTilesAgainstTheirLeafHashesNamesAndIssuers()
    {
        var seen = 0;
        var hash = new byte[32];
        for (var n = 0; n < 4; n++)
        {
            var leaves = TileLeafDecoder.Decode(StaticCtTestData.DataTile(n), n, 256);
            var levelZero = StaticCtTestData.LevelZeroTile(n);
            var names = StaticCtTestData.NamesTile(n);
            Assert.Equal(256, leaves.Length);
            for (var i = 0; i < leaves.Length; i++)
            {
                var leaf = leaves[i];
                Assert.Equal(n * 256L + i, leaf.Index);
                Assert.Equal(CtEntryType.Precert, leaf.Type);

                // The level-0 tile holds SHA-256(0x00 || 0x00 0x00 || TimestampedEntry) of every entry.
                leaf.ComputeLeafHash(hash);
                Assert.True(hash.AsSpan().SequenceEqual(levelZero.AsSpan(32 * i, 32)), $"leaf hash of entry {leaf.Index}");

                // LeafDer is exactly the pre_certificate: it loads, carries the poison and matches the names tile.
                using var cert = X509CertificateLoader.LoadCertificate(leaf.LeafDer.Span);
                Assert.Equal(SHA256.HashData(cert.RawData), SHA256.HashData(leaf.LeafDer.Span));
                Assert.True(cert.Extensions[PoisonOid]?.Critical);
                using var line = JsonDocument.Parse(names[i]);
                Assert.Equal(line.RootElement.GetProperty("Timestamp").GetInt64(), leaf.TimestampMs);
                if (line.RootElement.TryGetProperty("Subject", out var subject) && subject.TryGetProperty("CommonName", out var cn))
                {
                    Assert.Equal(cn.GetString(), cert.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
                }

                var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
                Assert.Equal(line.RootElement.GetProperty("DNS").EnumerateArray().Select(d => d.GetString()), san.EnumerateDnsNames());

                // Every fingerprint names an issuer, and chain[0] issued the precert.
                Assert.InRange(leaf.FingerprintCount, 1, 4);
                for (var f = 0; f < leaf.FingerprintCount; f++)
                {
                    Assert.True(StaticCtTestData.Issuers.ContainsKey(Convert.ToHexStringLower(leaf.Fingerprint(f).Span)));
                }

                using var issuer = X509CertificateLoader.LoadCertificate(StaticCtTestData.Issuers[Convert.ToHexStringLower(leaf.Fingerprint(0).Span)]);
                Assert.Equal(issuer.Subject, cert.Issuer);
                seen++;
            }
        }

        Assert.Equal(1024, seen);
    }

    [Theory]
    [InlineData(0, 1746292399101L, 1746292523102L)]
    [InlineData(1, 1746292523102L, 1746292582102L)]
    [InlineData(2, 1746292583102L, 1746292632101L)]
    [InlineData(3, 1746292632101L, 1746292689102L)]
    public void TileTimestampsMatchTheDerivedExpectations(int n, long first, long last)
    {
        var leaves = TileLeafDecoder.Decode(StaticCtTestData.DataTile(n), n, 256);

        Assert.Equal(first, leaves[0].TimestampMs);
        Assert.Equal(last, leaves[^1].TimestampMs);
    }

    [Fact]
    public void ThePartialTileIsAPrefixOfTheFullOne()
    {
        var partial = TileLeafDecoder.Decode(StaticCtTestData.PartialDataTile003Width10(), 3, 10);
        var full = TileLeafDecoder.Decode(StaticCtTestData.DataTile(3), 3, 256);

        Assert.Equal(10, partial.Length);
        for (var i = 0; i < partial.Length; i++)
        {
            Assert.Equal(768 + i, partial[i].Index);
            Assert.Equal(full[i].TimestampMs, partial[i].TimestampMs);
            Assert.True(full[i].LeafDer.Span.SequenceEqual(partial[i].LeafDer.Span));
            Assert.True(full[i].ChainFingerprints.Span.SequenceEqual(partial[i].ChainFingerprints.Span));
        }

        Assert.Equal(1746292633102L, partial[^1].TimestampMs);
    }

    [Fact]
    public void RecordCountsOtherThanExpectedAreRejected()
    {
        var partial = StaticCtTestData.PartialDataTile003Width10();
        var full = StaticCtTestData.DataTile(0);

        Assert.Contains("has 10 records, expected 11", Assert.Throws<CtDecodeException>(() => TileLeafDecoder.Decode(partial, 3, 11)).Message, StringComparison.Ordinal);
        Assert.Contains("after its 9 expected records", Assert.Throws<CtDecodeException>(() => TileLeafDecoder.Decode(partial, 3, 9)).Message, StringComparison.Ordinal);
        Assert.Throws<CtDecodeException>(() => TileLeafDecoder.Decode(full, 0, 255));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void ShortTilesAreRejected(int cut)
    {
        var tile = StaticCtTestData.DataTile(1);

        var error = Assert.Throws<CtDecodeException>(() => TileLeafDecoder.Decode(tile.AsMemory(0, tile.Length - cut), 1, 256));

        Assert.Contains("data tile 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrailingBytesAreRejected()
    {
        byte[] tile = [.. StaticCtTestData.DataTile(2), 0];

        Assert.Throws<CtDecodeException>(() => TileLeafDecoder.Decode(tile, 2, 256));
    }

    [Fact]
    public void ALeafIndexExtensionThatDisagreesWithThePositionIsRejected()
    {
        // Tile 0 served as if it were tile 1: entry 256 says it is 0.
        var error = Assert.Throws<CtDecodeException>(() => TileLeafDecoder.Decode(StaticCtTestData.DataTile(0), 1, 256));

        Assert.Contains("entry 256: leaf_index extension says 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void X509LeavesWithoutOrWithUnknownExtensionsDecode()
    {
        var cert = StaticCtTestData.Issuers.Values.First();
        var fingerprint = SHA256.HashData(cert);
        byte[] unknownExtension = [7, 0, 2, 0xAB, 0xCD];
        var tile = new TileLeafBuilder()
            .X509(1000, cert, [], [])
            .X509(1001, cert, [.. unknownExtension, .. TileLeafBuilder.LeafIndexExtension(513)], fingerprint)
            .ToArray();

        var leaves = TileLeafDecoder.Decode(tile, 2, 2);

        Assert.Equal(512, leaves[0].Index);
        Assert.Equal(CtEntryType.X509, leaves[0].Type);
        Assert.True(leaves[0].LeafDer.Span.SequenceEqual(cert));
        Assert.Equal(0, leaves[0].FingerprintCount);
        Assert.Equal(513, leaves[1].Index);
        Assert.Equal(1001, leaves[1].TimestampMs);
        Assert.True(leaves[1].Fingerprint(0).Span.SequenceEqual(fingerprint));
    }

    public static TheoryData<string, byte[]> MalformedLeaves()
    {
        var cert = new byte[] { 0x30, 0x03, 0x02, 0x01, 0x01 };
        return new TheoryData<string, byte[]>
        {
            { "unknown entry_type", new TileLeafBuilder().X509(1, cert, [], [], entryType: 2).ToArray() },
            { "chain not a multiple of 32", new TileLeafBuilder().X509(1, cert, [], new byte[33]).ToArray() },
            { "empty certificate", new TileLeafBuilder().X509(1, [], [], []).ToArray() },
            { "leaf_index of 4 bytes", new TileLeafBuilder().X509(1, cert, TileLeafBuilder.LeafIndexExtension(0, 4), []).ToArray() },
            { "two leaf_index extensions", new TileLeafBuilder().X509(1, cert, [.. TileLeafBuilder.LeafIndexExtension(0), .. TileLeafBuilder.LeafIndexExtension(0)], []).ToArray() },
            { "extension running past its list", new TileLeafBuilder().X509(1, cert, [7, 0, 9, 1], []).ToArray() },
            { "truncated extension header", new TileLeafBuilder().X509(1, cert, [7, 0], []).ToArray() },
            { "negative timestamp", new TileLeafBuilder().X509(-1, cert, [], []).ToArray() },
            { "empty pre_certificate", new TileLeafBuilder().Precert(1, cert, [], [], []).ToArray() },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedLeaves))]
    public void MalformedLeavesAreRejected(string because, byte[] tile)
    {
        var error = Assert.Throws<CtDecodeException>(() => TileLeafDecoder.Decode(tile, 0, 1));
        Assert.Contains("data tile 0, entry 0", error.Message, StringComparison.Ordinal);
        Assert.NotEmpty(because);
    }

    [Fact]
    public void ArgumentsOutsideATileAreProgrammingErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TileLeafDecoder.Decode(new byte[1], 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TileLeafDecoder.Decode(new byte[1], 0, 257));
        Assert.Throws<ArgumentOutOfRangeException>(() => TileLeafDecoder.Decode(new byte[1], -1, 1));
    }
}
