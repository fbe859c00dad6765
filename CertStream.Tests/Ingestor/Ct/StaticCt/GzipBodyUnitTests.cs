using System.IO.Compression;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.StaticCt;

namespace CertStream.Tests.Ingestor.Ct.StaticCt;

public sealed class GzipBodyUnitTests
{
    [Fact]
    public void PlainBodiesComeBackAsTheyAre()
    {
        var tile = StaticCtTestData.DataTile(0);
        var body = new ReadOnlyMemory<byte>(tile);

        var result = GzipBody.DecompressIfGzip(body);

        Assert.True(result.Equals(body));
    }

    [Fact]
    public void GzipBodiesAreDecompressedWhateverTheHeadersSaid()
    {
        var tile = StaticCtTestData.DataTile(1);

        var result = GzipBody.DecompressIfGzip(Gzip(tile));

        Assert.True(result.Span.SequenceEqual(tile));
        Assert.Equal(256, TileLeafDecoder.Decode(result, 1, 256).Length);
    }

    [Fact]
    public void EveryMemberOfAMultiMemberStreamIsRead()
    {
        byte[] body = [.. Gzip("hello "u8.ToArray()), .. Gzip("world"u8.ToArray())];

        Assert.Equal("hello world"u8.ToArray(), GzipBody.DecompressIfGzip(body).ToArray());
    }

    [Fact]
    public void CorruptTruncatedOrOversizedGzipIsADecodeError()
    {
        var gz = Gzip(StaticCtTestData.DataTile(2));
        var corrupt = (byte[])gz.Clone();
        corrupt[20] ^= 0xFF;
        corrupt[21] ^= 0xFF;

        Assert.Throws<CtDecodeException>(() => GzipBody.DecompressIfGzip(corrupt));
        Assert.Throws<CtDecodeException>(() => GzipBody.DecompressIfGzip(gz.AsMemory(0, gz.Length / 2)));
        Assert.Contains("more than 1000 bytes", Assert.Throws<CtDecodeException>(() => GzipBody.DecompressIfGzip(gz, maxBytes: 1000)).Message, StringComparison.Ordinal);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
