using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertStream.CtLogSimulator;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.CtLogSimulator;

public sealed class SimulatorRfc6962Tests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetSthReportsTheTreeSizeWithASignatureTheListedKeyVerifies()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddRfc6962Log("argon", initialSize: 123);
        using var http = new HttpClient();

        using var sth = await http.GetJsonAsync(log.Url + "ct/v1/get-sth");
        var root = sth.RootElement;
        Assert.Equal(123, root.GetProperty("tree_size").GetInt64());
        var hash = root.GetProperty("sha256_root_hash").GetBytesFromBase64();
        Assert.Equal(32, hash.Length);

        // DigitallySigned { sha256, ecdsa, opaque<0..2^16-1> } over the RFC 6962 §3.5 TreeHeadSignature.
        var signature = root.GetProperty("tree_head_signature").GetBytesFromBase64();
        Assert.Equal([4, 3], signature[..2]);
        Assert.Equal(signature.Length - 4, BinaryPrimitives.ReadUInt16BigEndian(signature.AsSpan(2)));
        var signed = new byte[2 + 8 + 8 + 32];
        signed[1] = 1;
        BinaryPrimitives.WriteInt64BigEndian(signed.AsSpan(2), root.GetProperty("timestamp").GetInt64());
        BinaryPrimitives.WriteInt64BigEndian(signed.AsSpan(10), 123);
        hash.CopyTo(signed, 18);
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(log.PublicKeySpki.Span, out _);
        Assert.True(key.VerifyData(signed, signature.AsSpan(4), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public async Task GetEntriesHonoursThePageCapAndStartsAtStart()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddRfc6962Log("capped", initialSize: 200, pageCap: 32);
        using var http = new HttpClient();

        using var page = await http.GetJsonAsync(log.Url + "ct/v1/get-entries?start=10&end=150");
        var entries = SimulatorClient.Entries(page);

        Assert.Equal(32, entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var expected = log.GetEntry(10 + i);
            Assert.Equal(expected.LeafInput.ToArray(), entries[i].LeafInput);
            Assert.Equal(expected.ExtraData.ToArray(), entries[i].ExtraData);
        }

        log.PageCap = 5;
        using var smaller = await http.GetJsonAsync(log.Url + "ct/v1/get-entries?start=0&end=150");
        Assert.Equal(5, SimulatorClient.Entries(smaller).Count);
    }

    [Fact]
    public async Task GetEntriesServesTheRecordedEntriesThenGeneratedCertificatesNamedAfterTheIndex()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddRfc6962Log("mixed", initialSize: 44);
        using var http = new HttpClient();

        using var page = await http.GetJsonAsync(log.Url + "ct/v1/get-entries?start=38&end=43");
        var entries = SimulatorClient.Entries(page);

        Assert.Equal(6, entries.Count);
        Assert.True(log.GetEntry(39).IsRecorded);
        Assert.False(log.GetEntry(40).IsRecorded);

        // Entry 40 is an x509_entry, 41 a precert_entry: check the wire bytes carry the generated leaf.
        var x509 = entries[2];
        Assert.Equal([0, 0], x509.LeafInput[..2]);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(x509.LeafInput.AsSpan(10)));
        var certLength = (x509.LeafInput[12] << 16) | (x509.LeafInput[13] << 8) | x509.LeafInput[14];
        using (var cert = X509CertificateLoader.LoadCertificate(x509.LeafInput.AsSpan(15, certLength)))
        {
            Assert.Equal("CN=n40.mixed.sim.certstream.test", cert.Subject);
        }

        Assert.Equal(log.GetExpectedLeafDer(40).ToArray(), x509.LeafInput.AsSpan(15, certLength).ToArray());

        var precert = entries[3];
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(precert.LeafInput.AsSpan(10)));
        var preLength = (precert.ExtraData[0] << 16) | (precert.ExtraData[1] << 8) | precert.ExtraData[2];
        using (var cert = X509CertificateLoader.LoadCertificate(precert.ExtraData.AsSpan(3, preLength)))
        {
            Assert.Equal("CN=n41.mixed.sim.certstream.test", cert.Subject);
            Assert.True(cert.Extensions["1.3.6.1.4.1.11129.2.4.3"]?.Critical);
        }

        // The leaf's issuer_key_hash is SHA-256 of the SPKI of chain[0].
        var expected = log.GetEntry(41);
        using var issuer = X509CertificateLoader.LoadCertificate(expected.Chain[0].Span);
        Assert.Equal(SHA256.HashData(issuer.PublicKey.ExportSubjectPublicKeyInfo()), precert.LeafInput.AsSpan(12, 32).ToArray());
    }

    [Fact]
    public void AGeneratedPrecertEntryCarriesThePrecertTbsWithoutThePoison()
    {
        var entry = SimulatedLogTbs.Entry(41);
        var leafInput = entry.LeafInput.Span;
        var tbsLength = (leafInput[44] << 16) | (leafInput[45] << 8) | leafInput[46];

        Assert.Equal(SimulatedEntryType.Precert, entry.Type);
        Assert.Equal(entry.PrecertTbs.ToArray(), leafInput.Slice(47, tbsLength).ToArray());
        Assert.Equal(SimulatedLogTbs.WithoutPoison(entry.LeafDer.ToArray()), entry.PrecertTbs.ToArray());
    }

    [Theory]
    [InlineData("start=5&end=4")]
    [InlineData("start=100&end=100")]
    [InlineData("start=150&end=200")]
    [InlineData("start=0&end=abc")]
    [InlineData("start=-1&end=3")]
    [InlineData("start=0")]
    [InlineData("end=3")]
    public async Task GetEntriesAnswers400ForBadRanges(string query)
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddRfc6962Log("strict", initialSize: 100);
        using var http = new HttpClient();

        var status = (await http.FetchAsync(log.Url + "ct/v1/get-entries?" + query)).Status;

        Assert.Equal(400, status);
        Assert.Equal(1, log.RequestCount(SimulatedEndpoint.GetEntries));
        Assert.Equal(400, Assert.Single(log.Requests).StatusCode);
        Assert.Equal(query.StartsWith("start=1", StringComparison.Ordinal) ? 1 : 0, log.RequestsBeyondTree);
    }

    [Fact]
    public async Task EndBeyondTheTreeIsClampedOrRejectedAsConfigured()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var clamping = sim.AddRfc6962Log("clamping", initialSize: 10);
        var rejecting = sim.AddLog(new SimulatedLogOptions { Name = "rejecting", InitialSize = 10, RejectEndBeyondTreeSize = true });
        using var http = new HttpClient();

        using var clamped = await http.GetJsonAsync(clamping.Url + "ct/v1/get-entries?start=8&end=20");
        var status = (await http.FetchAsync(rejecting.Url + "ct/v1/get-entries?start=8&end=20")).Status;

        Assert.Equal(2, SimulatorClient.Entries(clamped).Count);
        Assert.Equal(400, status);
        Assert.Equal(0, clamping.RequestsBeyondTree);
        Assert.Equal(1, rejecting.RequestsBeyondTree);
    }

    [Fact]
    public async Task AnEntryIsTheSameOnEveryRequestEvenAfterItLeftTheCache()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddLog(new SimulatedLogOptions { Name = "tiny-cache", InitialSize = 100, EntryCacheSize = 1, UseRecordedEntries = false });
        using var http = new HttpClient();

        using var first = await http.GetJsonAsync(log.Url + "ct/v1/get-entries?start=50&end=59");
        using var evict = await http.GetJsonAsync(log.Url + "ct/v1/get-entries?start=0&end=9");
        using var again = await http.GetJsonAsync(log.Url + "ct/v1/get-entries?start=50&end=59");

        var a = SimulatorClient.Entries(first);
        var b = SimulatorClient.Entries(again);
        for (var i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].LeafInput, b[i].LeafInput);
            Assert.Equal(a[i].ExtraData, b[i].ExtraData);
        }

        Assert.False(log.GetEntry(0).IsRecorded);
    }

    [Fact]
    public async Task TheLogGrowsWithTheTimeProviderAndWithGrow()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var sim = await SimulatedCtLogServer.StartAsync(new() { TimeProvider = time }, Ct);
        var log = sim.AddRfc6962Log("growing", initialSize: 100, entriesPerSecond: 10);
        using var http = new HttpClient();

        Assert.Equal(100, log.TreeSize);
        time.Advance(TimeSpan.FromSeconds(2.05));
        Assert.Equal(120, log.TreeSize);
        Assert.Equal(125, log.Grow(5));
        time.Advance(TimeSpan.FromSeconds(1));
        using var sth = await http.GetJsonAsync(log.Url + "ct/v1/get-sth");

        Assert.Equal(135, sth.RootElement.GetProperty("tree_size").GetInt64());
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds(), sth.RootElement.GetProperty("timestamp").GetInt64());

        // Timestamps follow the growth: entry 100 was appended 100 ms after the start, the burst at 2.05 s.
        var start = DateTimeOffset.Parse("2026-11-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        Assert.Equal(start + 100, log.GetEntry(100).TimestampMs);
        Assert.Equal(start + 2050, log.GetEntry(122).TimestampMs);
        Assert.Equal(start + 2050 + 100, log.GetEntry(125).TimestampMs);
        using var newest = await http.GetJsonAsync(log.Url + "ct/v1/get-entries?start=134&end=134");
        Assert.Equal(log.GetEntry(134).TimestampMs, BinaryPrimitives.ReadInt64BigEndian(SimulatorClient.Entries(newest)[0].LeafInput.AsSpan(2)));
    }

    [Fact]
    public async Task GetRootsListsTheSimulatorRoot()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddRfc6962Log("roots", initialSize: 1);
        using var http = new HttpClient();

        using var roots = await http.GetJsonAsync(log.Url + "ct/v1/get-roots");
        var expectedRoot = log.GetEntry(40).Chain[^1].ToArray();

        Assert.Contains(roots.RootElement.GetProperty("certificates").EnumerateArray(), c => c.GetBytesFromBase64().AsSpan().SequenceEqual(expectedRoot));
    }

    [Fact]
    public async Task UnknownLogsAndPathsAnswer404()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddRfc6962Log("present", initialSize: 1);
        using var http = new HttpClient();

        Assert.Equal(404, (await http.FetchAsync(sim.BaseUrl + "/logs/absent/ct/v1/get-sth")).Status);
        Assert.Equal(404, (await http.FetchAsync(log.Url + "checkpoint")).Status);
        Assert.True(sim.RemoveLog("present"));
        Assert.Equal(404, (await http.FetchAsync(log.Url + "ct/v1/get-sth")).Status);
        Assert.Equal("OK", (await http.GetStringAsync(sim.BaseUrl + "/health", Ct)).Trim());
    }
}

/// <summary>RFC 6962 §3.2: the TBS of a precert entry is the precertificate's TBS with the poison extension removed.</summary>
internal static class SimulatedLogTbs
{
    private const string PoisonOid = "1.3.6.1.4.1.11129.2.4.3";

    public static SimulatedEntry Entry(long index)
    {
        var registry = new SimulatedLogRegistry(TimeProvider.System) { BaseUrl = "http://sim.invalid" };
        using (registry)
        {
            return registry.Add(new SimulatedLogOptions { Name = "tbs", InitialSize = 100 }).GetEntry(index);
        }
    }

    public static byte[] WithoutPoison(byte[] certificateDer)
    {
        var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 3, isConstructed: true);
        var tbs = new AsnReader(certificateDer, AsnEncodingRules.DER).ReadSequence().ReadSequence();
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            while (tbs.HasData)
            {
                if (!tbs.PeekTag().HasSameClassAndValue(extensionsTag))
                {
                    writer.WriteEncodedValue(tbs.ReadEncodedValue().Span);
                    continue;
                }

                var extensions = tbs.ReadSequence(extensionsTag).ReadSequence();
                using (writer.PushSequence(extensionsTag))
                using (writer.PushSequence())
                {
                    while (extensions.HasData)
                    {
                        var extension = extensions.ReadEncodedValue();
                        if (new AsnReader(extension, AsnEncodingRules.DER).ReadSequence().ReadObjectIdentifier() != PoisonOid)
                        {
                            writer.WriteEncodedValue(extension.Span);
                        }
                    }
                }
            }
        }

        return writer.Encode();
    }
}
