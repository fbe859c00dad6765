using System.Text;
using System.Text.Json;
using CertStream.Contracts;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Serialization;
using CertStream.Ingestor.Verification;
using CertStream.Tests.Ingestor.Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace CertStream.Tests.Ingestor.Verification;

public sealed class PrecertTbsUnitTests
{
    private static readonly byte[] GoogleSerial = Convert.FromHexString("4400004E96");
    private static readonly byte[] TestSerial = Convert.FromHexString("6100004B1D");

    [Fact]
    public void PrecertMatchesItsLoggedTbs()
    {
        var (precert, tbs) = PrecertFactory.Create("match.example", TestSerial);

        Assert.True(PrecertTbs.Matches(tbs, precert, default));
    }

    [Fact]
    public void AnotherCertificatesTbsDoesNotMatch()
    {
        var (_, googleTbs) = PrecertFactory.Create("google.com", GoogleSerial);
        var (testPrecert, _) = PrecertFactory.Create("test7232018-1-1.msitvalidcert.com", TestSerial);

        Assert.False(PrecertTbs.Matches(googleTbs, testPrecert, default));
    }

    [Fact]
    public void OneFlippedBitInTheLoggedTbsDoesNotMatch()
    {
        var (precert, tbs) = PrecertFactory.Create("flip.example", TestSerial);
        for (var bit = 0; bit < tbs.Length * 8; bit += 97)
        {
            var flipped = (byte[])tbs.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(PrecertTbs.Matches(flipped, precert, default), $"bit {bit}");
        }
    }

    [Fact]
    public void TbsWithThePoisonLeftInDoesNotMatch()
    {
        var (precert, _) = PrecertFactory.Create("poison.example", TestSerial);

        Assert.False(PrecertTbs.Matches(PrecertFactory.TbsOf(precert), precert, default));
    }

    [Fact]
    public void PrecertSigningCertificateRewriteIsUndone()
    {
        // [0] the precert, [1] "Google Certificate Transparency (Precert Signing)" (EKU 1.3.6.1.4.1.11129.2.4.4 only).
        var chain = CertificateTestData.ReadCertificates(CertificateTestData.PathOf("ct", "certs", "precert", "preissuer-chain.pem"));
        var rewritten = File.ReadAllBytes(CertificateTestData.PathOf("ct", "certs", "precert", "preissuer-precert-tbs.rfc6962-rewritten.derived.der"));
        var stripped = File.ReadAllBytes(CertificateTestData.PathOf("ct", "certs", "precert", "preissuer-precert-tbs.poison-stripped-only.der"));

        Assert.True(PrecertTbs.Matches(rewritten, chain[0], chain[1]));
        Assert.False(PrecertTbs.Matches(rewritten, chain[0], default)); // the rewrite needs the signing certificate
        Assert.False(PrecertTbs.Matches(rewritten, chain[0], chain[2])); // an ordinary CA does not rewrite anything
        Assert.True(PrecertTbs.Matches(stripped, chain[0], default));
    }

    [Fact]
    public void MismatchStreamsTheLoggedTbsMarked()
    {
        // The shape of a real recorded entry: leaf TBS google.com / 4400004E96, extra_data precert of another name.
        var (_, googleTbs) = PrecertFactory.Create("google.com", GoogleSerial);
        var (testPrecert, _) = PrecertFactory.Create("test7232018-1-1.msitvalidcert.com", TestSerial);
        var log = CtLogInfo.Create("Test log", "https://ct.example/log/", CtLogKind.Rfc6962);
        var entry = Rfc6962EntryDecoder.Decode(7, PrecertEntryBytes.LeafInput(googleTbs), PrecertEntryBytes.ExtraData(testPrecert));

        var checker = NewChecker(out var metrics);
        var shown = checker.Check(log, entry);

        Assert.Equal(EntryIntegrity.PrecertTbsMismatch, shown.Integrity);
        Assert.Single(metrics.GetMeasurementSnapshot());
        using var messages = new CertificateMessageSerializer().Serialize(shown, log, 1.5);
        using var full = JsonDocument.Parse(messages.Get(StreamKind.Full));
        var data = full.RootElement.GetProperty("data");
        Assert.Equal("precert_tbs_mismatch", data.GetProperty("integrity").GetString());
        Assert.Equal("google.com", data.GetProperty("leaf_cert").GetProperty("subject").GetProperty("CN").GetString());
        Assert.Equal("4400004E96", data.GetProperty("leaf_cert").GetProperty("serial_number").GetString());
        Assert.Equal("""{"message_type":"dns_entries","data":["google.com"]}""", Encoding.UTF8.GetString(messages.Get(StreamKind.Domains).Span));
    }

    [Fact]
    public void AnEntryReadAgainForTheFeedIsShownAsTheLogSignedItWithoutCountingTwice()
    {
        var (_, googleTbs) = PrecertFactory.Create("google.com", GoogleSerial);
        var (testPrecert, _) = PrecertFactory.Create("test7232018-1-1.msitvalidcert.com", TestSerial);
        var log = CtLogInfo.Create("Test log", "https://ct.example/log/", CtLogKind.Rfc6962);
        var entry = Rfc6962EntryDecoder.Decode(7, PrecertEntryBytes.LeafInput(googleTbs), PrecertEntryBytes.ExtraData(testPrecert));

        var shown = NewChecker(out var metrics).Check(log, entry, reread: true);

        Assert.Equal(EntryIntegrity.PrecertTbsMismatch, shown.Integrity);
        Assert.False(shown.LeafDer.Span.SequenceEqual(testPrecert));
        Assert.Empty(metrics.GetMeasurementSnapshot());
    }

    [Fact]
    public void MatchingEntryIsUnchangedAndUnmarked()
    {
        var (precert, tbs) = PrecertFactory.Create("match.example", TestSerial);
        var log = CtLogInfo.Create("Test log", "https://ct.example/log/", CtLogKind.Rfc6962);
        var entry = Rfc6962EntryDecoder.Decode(7, PrecertEntryBytes.LeafInput(tbs), PrecertEntryBytes.ExtraData(precert));

        var shown = NewChecker(out var metrics).Check(log, entry);

        Assert.Equal(EntryIntegrity.Verified, shown.Integrity);
        Assert.Empty(metrics.GetMeasurementSnapshot());
        Assert.True(shown.LeafDer.Span.SequenceEqual(precert));
        using var messages = new CertificateMessageSerializer().Serialize(shown, log, 1.5);
        Assert.DoesNotContain("\"integrity\"", Encoding.UTF8.GetString(messages.Get(StreamKind.Full).Span), StringComparison.Ordinal);
    }

    [Fact]
    public void VerificationOffShowsThePreCertificateAsBefore()
    {
        var (_, googleTbs) = PrecertFactory.Create("google.com", GoogleSerial);
        var (testPrecert, _) = PrecertFactory.Create("test7232018-1-1.msitvalidcert.com", TestSerial);
        var log = CtLogInfo.Create("Test log", "https://ct.example/log/", CtLogKind.Rfc6962);
        var entry = Rfc6962EntryDecoder.Decode(7, PrecertEntryBytes.LeafInput(googleTbs), PrecertEntryBytes.ExtraData(testPrecert));

        var shown = NewChecker(out var metrics, enabled: false).Check(log, entry);

        Assert.Equal(EntryIntegrity.Verified, shown.Integrity);
        Assert.True(shown.LeafDer.Span.SequenceEqual(testPrecert));
        Assert.Empty(metrics.GetMeasurementSnapshot());
    }

    private static PrecertChecker NewChecker(out MetricCollector<long> mismatches, bool enabled = true)
    {
        var factory = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        mismatches = new MetricCollector<long>(factory, TelemetryNames.Ingestor, "certstream.ingestor.precert_tbs_mismatches");
        return new PrecertChecker(Options.Create(new VerificationOptions { Enabled = enabled }), new VerificationMetrics(factory), NullLogger<PrecertChecker>.Instance);
    }
}
