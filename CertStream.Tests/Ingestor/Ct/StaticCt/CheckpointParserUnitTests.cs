using System.Text;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.StaticCt;

namespace CertStream.Tests.Ingestor.Ct.StaticCt;

public sealed class CheckpointParserUnitTests
{
    private const string Root = "pT/KC9MSHoRK2rHkeyfTSXfxolR2ja4JqhdymK9pnlo=";

    [Theory]
    [InlineData("letsencrypt-willow2025h1b", "willow.ct.letsencrypt.org/2025h1b", 1237717073L, Root)]
    [InlineData("cloudflare-dev2024h2b", "static-ct-dev.cloudflareresearch.com/logs/dev2024h2b", 5L, "YsndMEZccH1fI4kviHLu/Z1Ye3MgKkDwUHluUAOYuoY=")]
    [InlineData("sunlight-test-rome2026h1", "rome2026h1.example.org", 300L, "lCkHUpkmVBEms2r2T1K6Og69+wUuuN3MIEW1/ezu2v0=")]
    public void ParsesRealCheckpointsWithAllTheirSignatureLines(string file, string origin, long size, string root)
    {
        var checkpoint = CheckpointParser.Parse(StaticCtTestData.Checkpoint(file));

        Assert.Equal(origin, checkpoint.Origin);
        Assert.Equal(size, checkpoint.TreeSize);
        Assert.Equal(Convert.FromBase64String(root), checkpoint.RootHash.ToArray());
        Assert.Equal(new Checkpoint(origin, size, Convert.FromBase64String(root)), checkpoint);
    }

    [Fact]
    public void IgnoresExtensionLinesAndAcceptsANoteWithoutSignatures()
    {
        var withExtensions = CheckpointParser.Parse(Bytes($"log.example/a\n10\n{Root}\nextension one\nanother\n\n\u2014 log.example/a AAAAAAAA\n"));
        var bare = CheckpointParser.Parse(Bytes($"log.example/a\n0\n{Root}\n"));

        Assert.Equal(10, withExtensions.TreeSize);
        Assert.Equal(0, bare.TreeSize);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("log.example/a\n0123\n" + Root + "\n\n", "leading zero")]
    [InlineData("log.example/a\n-5\n" + Root + "\n\n", "negative")]
    [InlineData("log.example/a\n+5\n" + Root + "\n\n", "sign")]
    [InlineData("log.example/a\n1e3\n" + Root + "\n\n", "exponent")]
    [InlineData("log.example/a\n 5\n" + Root + "\n\n", "space")]
    [InlineData("log.example/a\n18446744073709551615\n" + Root + "\n\n", "beyond long")]
    [InlineData("log.example/a\n5\n\n", "no root line")]
    [InlineData("log.example/a\n5\n", "two lines")]
    [InlineData("\n5\n" + Root + "\n\n", "empty origin")]
    [InlineData("log.example/a\n5\nAAAA\n\n", "short hash")]
    [InlineData("log.example/a\n5\npT/KC9MSHoRK2rHkeyfTSXfxolR2ja4JqhdymK9pnl==\n\n", "bad padding")]
    [InlineData("log.example/a\n5\npT_KC9MSHoRK2rHkeyfTSXfxolR2ja4JqhdymK9pnlo=\n\n", "url-safe base64")]
    [InlineData("log.example/a\r\n5\r\n" + Root + "\r\n\r\n", "CRLF")]
    [InlineData("log.example/a\n5\n" + Root, "no final newline")]
    [InlineData("log\texample/a\n5\n" + Root + "\n\n", "tab in origin")]
    [InlineData("log.example/a\n5\n" + Root + "\n\n- log.example/a AAAAAAAA\n", "ascii dash signature")]
    [InlineData("log.example/a\n5\n" + Root + "\n\n\u2014 log.example/a\n", "signature without base64")]
    [InlineData("log.example/a\n5\n" + Root + "\n\n\u2014 log.example/a !!!!\n", "signature not base64")]
    [InlineData("log.example/a\n5\n" + Root + "\n\n\u2014 log.example/a AAAAAAAA", "signature without newline")]
    [InlineData("log.example/a\n5\n" + Root + "\n\n\u2014 log.example/a AAAA\n", "signature shorter than a key ID")]
    public void RejectsMalformedCheckpoints(string body, string because)
    {
        var error = Assert.Throws<CtDecodeException>(() => CheckpointParser.Parse(Bytes(body)));
        Assert.StartsWith("checkpoint: ", error.Message, StringComparison.Ordinal);
        _ = because;
    }

    [Fact]
    public void RejectsInvalidUtf8AndOversizedBodies()
    {
        byte[] invalid = [.. "log.example/"u8, 0xC3, 0x28, .. Bytes($"\n5\n{Root}\n\n")];
        var huge = Bytes($"log.example/a\n5\n{Root}\n{new string('x', CheckpointParser.MaxBytes)}\n\n");

        Assert.Throws<CtDecodeException>(() => CheckpointParser.Parse(invalid));
        Assert.Throws<CtDecodeException>(() => CheckpointParser.Parse(huge));
    }

    [Fact]
    public void EqualityComparesTheRootHashBytes()
    {
        var a = new Checkpoint("o", 1, Convert.FromBase64String(Root));
        var b = new Checkpoint("o", 1, Convert.FromBase64String(Root));
        var c = new Checkpoint("o", 1, new byte[32]);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Contains(Root, a.ToString(), StringComparison.Ordinal);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
