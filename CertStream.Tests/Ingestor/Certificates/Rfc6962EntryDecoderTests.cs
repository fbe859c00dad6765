using System.Runtime.InteropServices;
using CertStream.Contracts;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Serialization;
using CertStream.Tests.Ingestor.Serialization;

namespace CertStream.Tests.Ingestor.Certificates;

public sealed class Rfc6962EntryDecoderTests
{
    private static LiveCtEntry FirstOf(bool precert) => LiveCtEntries.All.First(e => (e.LeafInput[11] == 1) == precert);

    [Fact]
    public void DecodesTheArgon2020Entry()
    {
        var (leafInput, extraData) = CertificateTestData.ReadGetEntries("argon2020_get-entries_start-10000_end-10000.json").Single();

        var entry = Rfc6962EntryDecoder.Decode(10000, leafInput, extraData);

        Assert.Equal(10000, entry.Index);
        Assert.Equal(CtEntryType.X509, entry.Type);
        Assert.Equal(0x015e94f86a53, entry.TimestampMs); // bytes 2..9 of leaf_input
        Assert.Equal(3, entry.Chain.Count);
        Assert.Equal(leafInput.AsSpan(15, entry.LeafDer.Length).ToArray(), entry.LeafDer.ToArray());
        Assert.Equal(leafInput.Length, 15 + entry.LeafDer.Length + 2);
    }

    [Fact]
    public void DecodesTheFourCtGoScannerEntries()
    {
        var entries = CertificateTestData.ReadGetEntries("ctgo-scanner_get-entries_four-x509-2013.json");

        Assert.Equal(4, entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = Rfc6962EntryDecoder.Decode(i, entries[i].LeafInput, entries[i].ExtraData);
            Assert.Equal(CtEntryType.X509, entry.Type);
            Assert.NotEmpty(entry.Chain);
            Assert.Equal(0x30, entry.LeafDer.Span[0]);
        }
    }

    [Fact]
    public void ChainAndPreCertificateAreSlicesOfExtraData()
    {
        var fixture = FirstOf(precert: true);

        var entry = Rfc6962EntryDecoder.Decode(fixture.Index, fixture.LeafInput, fixture.ExtraData);

        Assert.Equal(CtEntryType.Precert, entry.Type);
        Assert.True(MemoryMarshal.TryGetArray(entry.LeafDer, out var leaf));
        Assert.Same(fixture.ExtraData, leaf.Array);
        Assert.Equal(3, leaf.Offset);
        foreach (var certificate in entry.Chain)
        {
            Assert.True(MemoryMarshal.TryGetArray(certificate, out var segment));
            Assert.Same(fixture.ExtraData, segment.Array);
        }
    }

    [Fact]
    public void AcceptsAnEmptyChain()
    {
        var fixture = FirstOf(precert: false);

        var entry = Rfc6962EntryDecoder.Decode(1, fixture.LeafInput, [0, 0, 0]);

        Assert.Empty(entry.Chain);
    }

    public static TheoryData<string, bool> Malformations() => new()
    {
        { "leaf_input empty", false },
        { "leaf_input shorter than the header", false },
        { "leaf_input truncated inside the certificate", false },
        { "leaf_input without extensions", false },
        { "leaf_input with a trailing byte", false },
        { "leaf_input extensions length too long", false },
        { "version 1", false },
        { "leaf_type 1", false },
        { "entry_type 2", false },
        { "certificate length past the end", false },
        { "certificate length zero", false },
        { "extra_data empty", false },
        { "extra_data with a trailing byte", false },
        { "extra_data truncated", false },
        { "chain list length past the end", false },
        { "chain certificate crossing the list end", false },
        { "leaf_input truncated inside the issuer_key_hash", true },
        { "leaf_input truncated inside the TBS", true },
        { "extra_data empty", true },
        { "pre_certificate length past the end", true },
        { "precert extra_data without the chain list", true },
        { "precert extra_data with a trailing byte", true },
    };

    [Theory]
    [MemberData(nameof(Malformations))]
    public void MalformedEntriesThrowCtDecodeException(string malformation, bool precert)
    {
        var fixture = FirstOf(precert);
        var leaf = fixture.LeafInput.ToArray();
        var extra = fixture.ExtraData.ToArray();
        var preCertLength = (extra[0] << 16) | (extra[1] << 8) | extra[2];

        (leaf, extra) = malformation switch
        {
            "leaf_input empty" => ([], extra),
            "leaf_input shorter than the header" => (leaf[..11], extra),
            "leaf_input truncated inside the certificate" => (leaf[..(leaf.Length / 2)], extra),
            "leaf_input without extensions" => (leaf[..^2], extra),
            "leaf_input with a trailing byte" => ([.. leaf, 0], extra),
            "leaf_input extensions length too long" => (With(leaf, leaf.Length - 1, 1), extra),
            "version 1" => (With(leaf, 0, 1), extra),
            "leaf_type 1" => (With(leaf, 1, 1), extra),
            "entry_type 2" => (With(leaf, 11, 2), extra),
            "certificate length past the end" => (With(leaf, 12, 0x7F), extra),
            "certificate length zero" => ([.. leaf[..12], 0, 0, 0, 0, 0], extra),
            "extra_data empty" => (leaf, []),
            "extra_data with a trailing byte" or "precert extra_data with a trailing byte" => (leaf, [.. extra, 0]),
            "extra_data truncated" => (leaf, extra[..^1]),
            "chain list length past the end" => (leaf, With(extra, 0, 0x7F)),
            "chain certificate crossing the list end" => (leaf, CrossingChain(extra)),
            "leaf_input truncated inside the issuer_key_hash" => (leaf[..30], extra),
            "leaf_input truncated inside the TBS" => (leaf[..(leaf.Length - 10)], extra),
            "pre_certificate length past the end" => (leaf, With(extra, 0, 0x7F)),
            "precert extra_data without the chain list" => (leaf, extra[..(3 + preCertLength)]),
            _ => throw new ArgumentOutOfRangeException(nameof(malformation)),
        };

        var error = Assert.Throws<CtDecodeException>(() => Rfc6962EntryDecoder.Decode(fixture.Index, leaf, extra));
        Assert.Contains(fixture.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    // Shrinks the total chain length by one so that the last certificate crosses the list end.
    private static byte[] CrossingChain(byte[] extra)
    {
        var total = (extra[0] << 16) | (extra[1] << 8) | extra[2];
        var copy = extra.ToArray();
        copy[0] = (byte)((total - 1) >> 16);
        copy[1] = (byte)((total - 1) >> 8);
        copy[2] = (byte)(total - 1);
        return copy;
    }

    private static byte[] With(byte[] data, int index, byte value)
    {
        var copy = data.ToArray();
        copy[index] = value;
        return copy;
    }

    [Fact]
    public void CorruptedEntriesNeverThrowAnythingButCtDecodeException()
    {
        // Random byte changes in real entries: each one either still decodes and serializes, or fails
        // with CtDecodeException; no other exception may escape to the worker loop.
        var random = new Random(6962);
        var serializer = new CertificateMessageSerializer();
        var log = CtLogInfo.Create("test", "https://ct.example/", CtLogKind.Rfc6962);
        int decoded = 0, rejected = 0;
        for (var round = 0; round < 1500; round++)
        {
            var fixture = LiveCtEntries.All[round % LiveCtEntries.All.Count];
            var leaf = fixture.LeafInput.ToArray();
            var extra = fixture.ExtraData.ToArray();
            var target = random.Next(3) == 0 ? leaf : extra;
            var limit = Math.Min(target.Length, random.Next(2) == 0 ? 64 : target.Length);
            for (var changes = random.Next(1, 4); changes > 0; changes--)
            {
                target[random.Next(limit)] = (byte)random.Next(256);
            }

            try
            {
                var entry = Rfc6962EntryDecoder.Decode(fixture.Index, leaf, extra);
                using var messages = serializer.Serialize(entry, log, 1.5);
                foreach (var kind in StreamKinds.All)
                {
                    using var _ = System.Text.Json.JsonDocument.Parse(messages.Get(kind));
                }

                decoded++;
            }
            catch (CtDecodeException)
            {
                rejected++;
            }
        }

        Assert.True(decoded > 100, $"decoded {decoded}");
        Assert.True(rejected > 100, $"rejected {rejected}");
    }
}
