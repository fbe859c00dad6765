using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Ct.StaticCt;
using CertStream.Ingestor.Verification;
using CertStream.Tests.Ingestor.Ct.StaticCt;
using CertStream.Tests.Ingestor.Serialization;

namespace CertStream.Tests.Ingestor.Verification;

/// <summary>No false alarms: every real precert entry in the test data matches its logged TBS.</summary>
public sealed class RealPrecertTests
{
    [Fact]
    public void EveryRecordedRfc6962PrecertMatches()
    {
        var precerts = 0;
        foreach (var fixture in LiveCtEntries.All)
        {
            var entry = Rfc6962EntryDecoder.Decode(fixture.Index, fixture.LeafInput, fixture.ExtraData);
            if (entry.Type != CtEntryType.Precert)
            {
                continue;
            }

            precerts++;
            Assert.False(entry.PrecertTbs.IsEmpty);
            Assert.True(PrecertTbs.Matches(entry.PrecertTbs.Span, entry.LeafDer.Span, entry.Chain.Count > 0 ? entry.Chain[0].Span : default), fixture.Name);
        }

        Assert.True(precerts > 5, $"only {precerts} precerts in live_ct.json");
    }

    [Fact]
    public void EveryNavigliPrecertMatches()
    {
        for (var tile = 0; tile < 4; tile++)
        {
            foreach (var leaf in TileLeafDecoder.Decode(StaticCtTestData.DataTile(tile), tile, 256))
            {
                Assert.Equal(CtEntryType.Precert, leaf.Type);
                var issuer = StaticCtTestData.Issuers[Convert.ToHexStringLower(leaf.Fingerprint(0).Span)];
                Assert.True(PrecertTbs.Matches(leaf.PrecertTbs.Span, leaf.LeafDer.Span, issuer), $"entry {leaf.Index}");
            }
        }
    }
}
