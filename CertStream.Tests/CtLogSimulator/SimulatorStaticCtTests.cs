using System.Net;
using CertStream.CtLogSimulator;
using CertStream.CtLogSimulator.Faults;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.StaticCt;
using CertStream.Tests.Ingestor.Ct.StaticCt;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.CtLogSimulator;

public sealed class SimulatorStaticCtTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>No automatic decompression: the tests see the bytes the log sends.</summary>
    private static HttpClient RawClient() => new(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None });

    [Fact]
    public async Task TheCheckpointParsesAndNamesTheLogsOriginAndSize()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddTiledLog("sycamore", initialSize: 1000);
        using var http = RawClient();

        var body = await http.FetchAsync(log.Url + "checkpoint");
        var checkpoint = CheckpointParser.Parse(body.Body);

        Assert.Equal(200, body.Status);
        Assert.Equal(log.Origin, checkpoint.Origin);
        Assert.Equal(new Uri(log.Url).Authority + "/logs/sycamore", checkpoint.Origin);
        Assert.Equal(1000, checkpoint.TreeSize);
        Assert.Equal(1, log.RequestCount(SimulatedEndpoint.Checkpoint));
    }

    /// <summary>
    /// The simulator's hash tiles and checkpoint roots over the recorded Navigli entries are the real log's: its level-0 tiles
    /// (test data) and the roots derived from them (Verification/TiledTreeTests); partial tiles are prefixes, 404 beyond the tree.
    /// </summary>
    [Theory]
    [InlineData(1024, "EMfGG85uIddeOXt5/wdQGP3IQd0COCqoLg9Q6CsPLJA=")]
    [InlineData(778, "+WnHOMRZl/LG1669oeskbdK9bcO4nkrY1cfVyknC52U=")]
    public async Task HashTilesAndRootsAreTheRealNavigliOnes(int size, string root)
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddTiledLog("navigli", initialSize: size);
        using var http = RawClient();

        var checkpoint = CheckpointParser.Parse((await http.FetchAsync(log.Url + "checkpoint")).Body);
        Assert.Equal(root, Convert.ToBase64String(checkpoint.RootHash.Span));
        for (var n = 0; n < size / 256; n++)
        {
            var tile = await http.FetchAsync(log.Url + "tile/0/" + n.ToString("000", System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(200, tile.Status);
            Assert.Equal(StaticCtTestData.LevelZeroTile(n), tile.Body);
        }

        if (size % 256 != 0)
        {
            var partial = await http.FetchAsync(log.Url + $"tile/0/{size / 256:000}.p/{size % 256}");
            Assert.Equal(StaticCtTestData.LevelZeroTile(size / 256)[..(size % 256 * 32)], partial.Body);
            Assert.Equal(404, (await http.FetchAsync(log.Url + $"tile/0/{size / 256:000}.p/{size % 256 + 1}")).Status);
        }

        var levelOne = await http.FetchAsync(log.Url + $"tile/1/000.p/{size / 256}");
        Assert.Equal(200, levelOne.Status);
        Assert.Equal(32 * (size / 256), levelOne.Body.Length);
        Assert.Equal(404, (await http.FetchAsync(log.Url + "tile/1/000")).Status);
        Assert.Equal(404, (await http.FetchAsync(log.Url + $"tile/0/{size / 256 + 1:000}")).Status);
    }

    [Fact]
    public async Task FullTilesServeTheRecordedNavigliEntriesGzipped()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddTiledLog("navigli", initialSize: 1024);
        using var http = RawClient();

        for (var n = 0; n < 4; n++)
        {
            var response = await http.FetchAsync(log.Url + "tile/data/" + n.ToString("000", System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(200, response.Status);
            Assert.Equal(["gzip"], response.ContentHeaders.ContentEncoding);
            Assert.True(GzipBody.IsGzip(response.Body));

            var leaves = TileLeafDecoder.Decode(GzipBody.DecompressIfGzip(response.Body), n, 256);
            for (var i = 0; i < 256; i++)
            {
                var expected = log.GetEntry(n * 256 + i);
                Assert.True(expected.IsRecorded);
                Assert.Equal(CtEntryType.Precert, leaves[i].Type);
                Assert.True(leaves[i].LeafDer.Span.SequenceEqual(expected.LeafDer.Span));
                Assert.Equal(expected.TimestampMs, leaves[i].TimestampMs);
            }
        }

        Assert.Equal(404, (await http.FetchAsync(log.Url + "tile/data/004")).Status);
    }

    [Fact]
    public async Task GeneratedEntriesBeyondTheRecordingDecodeWithTheirIndexAndIssuers()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddTiledLog("grown", initialSize: 1300);
        using var http = RawClient();
        var issuers = new IssuerCache();

        var response = await http.FetchAsync(log.Url + "tile/data/004");
        var leaves = TileLeafDecoder.Decode(GzipBody.DecompressIfGzip(response.Body), 4, 256);

        Assert.Equal(CtEntryType.X509, leaves[0].Type);
        Assert.Equal(CtEntryType.Precert, leaves[1].Type);
        for (var i = 0; i < leaves.Length; i++)
        {
            var expected = log.GetEntry(1024 + i);
            Assert.False(expected.IsRecorded);
            Assert.Equal(1024 + i, leaves[i].Index);
            Assert.True(leaves[i].LeafDer.Span.SequenceEqual(expected.LeafDer.Span));
            Assert.Equal(expected.Chain.Count, leaves[i].FingerprintCount);
            for (var f = 0; f < leaves[i].FingerprintCount; f++)
            {
                var der = await issuers.GetAsync(leaves[i].Fingerprint(f), (hex, ct) => http.GetByteArrayAsync(TilePath.IssuerUrl(log.Url, hex), ct), Ct)
                    .WaitAsync(SimulatorClient.Timeout, Ct);
                Assert.True(der.Span.SequenceEqual(expected.Chain[f].Span));
            }
        }

        // Two issuers for 512 fingerprints: the shared cache fetched each once.
        Assert.Equal(2, issuers.Count);
        Assert.Equal(2, log.RequestCount(SimulatedEndpoint.Issuer));
    }

    [Fact]
    public async Task PartialTilesAreServedOnlyOnTheRightEdgeUpToItsCurrentWidth()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        await using var sim = await SimulatedCtLogServer.StartAsync(new() { TimeProvider = time }, Ct);
        var log = sim.AddTiledLog("edge", initialSize: 778);
        using var http = RawClient();

        var partial = await http.FetchAsync(log.Url + "tile/data/003.p/10");
        Assert.Equal(200, partial.Status);
        var leaves = TileLeafDecoder.Decode(GzipBody.DecompressIfGzip(partial.Body), 3, 10);
        Assert.Equal(777, leaves[^1].Index);

        // A narrower partial is one an earlier tree head published: still served.
        var narrower = await http.FetchAsync(log.Url + "tile/data/003.p/9");
        Assert.Equal(200, narrower.Status);
        Assert.Equal(776, TileLeafDecoder.Decode(GzipBody.DecompressIfGzip(narrower.Body), 3, 9)[^1].Index);
        Assert.Equal(404, (await http.FetchAsync(log.Url + "tile/data/003.p/11")).Status);
        Assert.Equal(404, (await http.FetchAsync(log.Url + "tile/data/003")).Status);
        Assert.Equal(404, (await http.FetchAsync(log.Url + "tile/data/002.p/10")).Status);
        Assert.Equal(404, (await http.FetchAsync(log.Url + "tile/data/003.p/010")).Status);
        Assert.Equal(404, (await http.FetchAsync(log.Url + "tile/data/3.p/10")).Status);

        log.Grow(250);
        Assert.Equal(404, (await http.FetchAsync(log.Url + "tile/data/003.p/10")).Status);
        var wider = await http.FetchAsync(log.Url + "tile/data/003.p/4");
        Assert.Equal(404, wider.Status);
        var full = await http.FetchAsync(log.Url + "tile/data/003");
        Assert.Equal(200, full.Status);
        var tail = await http.FetchAsync(log.Url + "tile/data/004.p/4");
        Assert.Equal(200, tail.Status);
        Assert.Equal(4, TileLeafDecoder.Decode(GzipBody.DecompressIfGzip(tail.Body), 4, 4).Length);

        Assert.Equal(9, log.RequestCount(SimulatedEndpoint.PartialDataTile));
        Assert.Equal(5, log.RequestsBeyondTree);
        Assert.Equal(2, log.RequestCount(SimulatedEndpoint.DataTile));
        Assert.Equal(["/logs/edge/tile/data/003.p/10", "/logs/edge/tile/data/003.p/9"], log.Requests.Take(2).Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task APartialTileIsAPrefixOfTheFullTileItBecomes()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddLog(new SimulatedLogOptions { Name = "prefix", Kind = SimulatedLogKind.Tiled, InitialSize = 1100, TileEncoding = SimulatedTileEncoding.Identity });
        using var http = RawClient();

        var partial = await http.FetchAsync(log.Url + "tile/data/004.p/76");
        log.Grow(200);
        var full = await http.FetchAsync(log.Url + "tile/data/004");

        Assert.Empty(partial.ContentHeaders.ContentEncoding);
        Assert.False(GzipBody.IsGzip(partial.Body));
        Assert.Equal(partial.Body, full.Body.AsSpan(0, partial.Body.Length).ToArray());
    }

    [Fact]
    public async Task GzipWithoutAContentEncodingHeaderIsRecognisedByItsMagic()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddLog(new SimulatedLogOptions { Name = "bare-gzip", Kind = SimulatedLogKind.Tiled, InitialSize = 300, TileEncoding = SimulatedTileEncoding.GzipWithoutHeader });
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.All });

        var response = await http.FetchAsync(log.Url + "tile/data/001.p/44");

        Assert.Empty(response.ContentHeaders.ContentEncoding);
        Assert.True(GzipBody.IsGzip(response.Body));
        Assert.Equal(44, TileLeafDecoder.Decode(GzipBody.DecompressIfGzip(response.Body), 1, 44).Length);
    }

    [Fact]
    public async Task IssuersAreServedByFingerprintAndUnknownOnesAre404()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddTiledLog("issuers", initialSize: 1);
        using var http = RawClient();
        var issuer = log.GetEntry(0).Chain[0];
        var hex = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(issuer.Span));

        var response = await http.FetchAsync(log.Url + "issuer/" + hex);
        var unknown = await http.FetchAsync(log.Url + "issuer/" + new string('a', 64));

        Assert.Equal(200, response.Status);
        Assert.Equal("application/pkix-cert", response.ContentHeaders.ContentType?.MediaType);
        Assert.Equal(issuer.ToArray(), response.Body);
        Assert.Equal(404, unknown.Status);
    }

    [Fact]
    public async Task TileAndIssuerFaultsAreCaughtByTheDecoders()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddTiledLog("faulty", initialSize: 600);
        log.InjectFault(SimulatedFault.MalformedBody(SimulatedEndpoint.DataTile));
        log.InjectFault(SimulatedFault.MalformedBody(SimulatedEndpoint.Issuer));
        log.InjectFault(SimulatedFault.MalformedBody(SimulatedEndpoint.Checkpoint));
        log.InjectFault(SimulatedFault.TruncatedBody(SimulatedEndpoint.PartialDataTile));
        using var http = RawClient();
        var cache = new IssuerCache();

        var tile = await http.FetchAsync(log.Url + "tile/data/000");
        Assert.Throws<CtDecodeException>(() => TileLeafDecoder.Decode(GzipBody.DecompressIfGzip(tile.Body), 0, 256));
        var checkpoint = await http.FetchAsync(log.Url + "checkpoint");
        Assert.Throws<CtDecodeException>(() => CheckpointParser.Parse(checkpoint.Body));
        await Assert.ThrowsAnyAsync<Exception>(() => http.FetchAsync(log.Url + "tile/data/002.p/88"));

        var fingerprint = TileLeafDecoder.Decode(GzipBody.DecompressIfGzip((await http.FetchAsync(log.Url + "tile/data/000")).Body), 0, 256)[0].Fingerprint(0);
        Task<byte[]> Fetch(string hex, CancellationToken ct) => http.GetByteArrayAsync(TilePath.IssuerUrl(log.Url, hex), ct);
        await Assert.ThrowsAsync<CtDecodeException>(() => cache.GetAsync(fingerprint, Fetch, Ct).WaitAsync(SimulatorClient.Timeout, Ct));
        var der = await cache.GetAsync(fingerprint, Fetch, Ct).WaitAsync(SimulatorClient.Timeout, Ct);

        Assert.Equal(32, System.Security.Cryptography.SHA256.HashData(der.Span).Length);
        Assert.Equal(0, log.PendingFaults);
    }

    [Fact]
    public async Task TheTiledLogGrowsWithTheTimeProvider()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        await using var sim = await SimulatedCtLogServer.StartAsync(new() { TimeProvider = time }, Ct);
        var log = sim.AddTiledLog("ticking", initialSize: 250, entriesPerSecond: 3);
        using var http = RawClient();

        time.Advance(TimeSpan.FromSeconds(4));
        var checkpoint = CheckpointParser.Parse((await http.FetchAsync(log.Url + "checkpoint")).Body);
        var tile = await http.FetchAsync(log.Url + "tile/data/000");

        Assert.Equal(262, checkpoint.TreeSize);
        Assert.Equal(200, tile.Status);
        Assert.Equal(200, (await http.FetchAsync(log.Url + "tile/data/001.p/6")).Status);
    }
}
