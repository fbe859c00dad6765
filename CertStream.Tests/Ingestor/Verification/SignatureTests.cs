using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Ct.StaticCt;
using CertStream.Ingestor.Verification;
using CertStream.Tests.Ingestor.Ct.StaticCt;

namespace CertStream.Tests.Ingestor.Verification;

/// <summary>Real STHs and checkpoints verify against the keys the log list publishes; one flipped bit does not.</summary>
public sealed class SignatureTests
{
    [Fact]
    public void LogListKeysAreKeptWithTheirLogIds()
    {
        var logs = VerificationTestData.Logs();

        Assert.Equal(4, logs.Count);
        var argon = VerificationTestData.Log("Argon2020");
        Assert.Equal("sh4FzIuizYogTodm+Su5iiUgZ2va+nDnsklTLe+LkF4=", Convert.ToBase64String(argon.LogId!));
        Assert.True(LogKey.TryCreate(argon.PublicKey!, out var key));
        key!.Dispose();
    }

    [Theory]
    [InlineData("Argon2020", "argon2020", "get-sth.json")]
    [InlineData("Pilot", "pilot", "get-sth_3721782.json")]
    public void RealSthVerifies(string log, string folder, string file)
    {
        using var key = KeyOf(log);
        var sth = Rfc6962Responses.ParseSth(VerificationTestData.Read(folder, file));

        Assert.True(key.VerifyTreeHead(sth.TimestampMs, sth.TreeSize, sth.RootHash, sth.Signature));
    }

    [Theory]
    [InlineData("Argon2020", "argon2020", "get-sth.json")]
    [InlineData("Pilot", "pilot", "get-sth_3721782.json")]
    public void FlippedBitInAnSthFails(string log, string folder, string file)
    {
        using var key = KeyOf(log);
        var sth = Rfc6962Responses.ParseSth(VerificationTestData.Read(folder, file));

        for (var bit = 0; bit < 256; bit += 37)
        {
            Assert.False(key.VerifyTreeHead(sth.TimestampMs, sth.TreeSize, VerificationTestData.FlipBit(sth.RootHash, bit), sth.Signature));
        }

        for (var bit = 0; bit < sth.Signature.Length * 8; bit += 41)
        {
            Assert.False(key.VerifyTreeHead(sth.TimestampMs, sth.TreeSize, sth.RootHash, VerificationTestData.FlipBit(sth.Signature, bit)), $"signature bit {bit}");
        }

        Assert.False(key.VerifyTreeHead(sth.TimestampMs ^ 1, sth.TreeSize, sth.RootHash, sth.Signature));
        Assert.False(key.VerifyTreeHead(sth.TimestampMs, sth.TreeSize ^ 1, sth.RootHash, sth.Signature));
    }

    [Fact]
    public void SthDoesNotVerifyUnderAnotherLogsKey()
    {
        using var pilot = KeyOf("Pilot");
        var sth = Rfc6962Responses.ParseSth(VerificationTestData.Read("argon2020", "get-sth.json"));

        Assert.False(pilot.VerifyTreeHead(sth.TimestampMs, sth.TreeSize, sth.RootHash, sth.Signature));
    }

    [Theory]
    [InlineData("Willow2025h1b", "letsencrypt-willow2025h1b")]
    [InlineData("dev2024h2b", "cloudflare-dev2024h2b")]
    public void RealCheckpointVerifies(string log, string file)
    {
        using var key = KeyOf(log);
        var body = StaticCtTestData.Checkpoint(file);

        Assert.True(CheckpointSignature.Verify(body, CheckpointParser.Parse(body), key, out var timestamp));
        Assert.True(timestamp > 1_700_000_000_000);
    }

    [Theory]
    [InlineData("Willow2025h1b", "letsencrypt-willow2025h1b")]
    [InlineData("dev2024h2b", "cloudflare-dev2024h2b")]
    public void FlippedBitInACheckpointFails(string log, string file)
    {
        using var key = KeyOf(log);
        var body = StaticCtTestData.Checkpoint(file);
        var text = body.AsSpan().IndexOf("\n\n"u8);

        // Every bit of the note text (origin, size, root); a flip that still parses must not verify.
        var tried = 0;
        for (var bit = 0; bit < text * 8; bit++)
        {
            var flipped = VerificationTestData.FlipBit(body, bit);
            Checkpoint parsed;
            try
            {
                parsed = CheckpointParser.Parse(flipped);
            }
            catch (CertStream.Ingestor.Ct.CtDecodeException)
            {
                continue;
            }

            tried++;
            Assert.False(CheckpointSignature.Verify(flipped, parsed, key, out _), $"bit {bit}");
        }

        Assert.True(tried > 100);
    }

    [Fact]
    public void CheckpointDoesNotVerifyUnderAnotherLogsKey()
    {
        using var key = KeyOf("dev2024h2b");
        var body = StaticCtTestData.Checkpoint("letsencrypt-willow2025h1b");

        Assert.False(CheckpointSignature.Verify(body, CheckpointParser.Parse(body), key, out _));
    }

    private static LogKey KeyOf(string log)
    {
        Assert.True(LogKey.TryCreate(VerificationTestData.Log(log).PublicKey!, out var key));
        return key!;
    }
}
