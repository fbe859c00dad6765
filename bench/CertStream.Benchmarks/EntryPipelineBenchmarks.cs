using BenchmarkDotNet.Attributes;
using CertStream.Ingestor.Certificates;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.Serialization;

namespace CertStream.Benchmarks;

/// <summary>
/// The ingest hot path per entry over the 40 real live_ct.json entries (26 x509, 14 precert, 2–3 chain
/// certificates each): decode the get-entries entry, parse leaf and chain, write lite + full + domains.
/// Each benchmark op handles all 40 entries; results are per entry (OperationsPerInvoke).
/// </summary>
public class EntryPipelineBenchmarks
{
    private const int Entries = 40;

    private LiveCtData.RawEntry[] _raw = [];
    private CtLogEntry[] _decoded = [];
    private byte[] _page = [];
    private byte[] _pageCopy = [];
    private readonly List<RawEntrySlice> _slices = new(Entries);
    private readonly CertificateMessageSerializer _serializer = new();
    private readonly ParsedCertificate _parsed = new();

    [GlobalSetup]
    public void Setup()
    {
        _raw = LiveCtData.Load();
        if (_raw.Length != Entries)
        {
            throw new InvalidOperationException($"expected {Entries} entries, found {_raw.Length}");
        }

        _decoded = _raw.Select(r => Rfc6962EntryDecoder.Decode(r.Index, r.LeafInput, r.ExtraData)).ToArray();
        _page = LiveCtData.GetEntriesPage(_raw);
        _pageCopy = new byte[_page.Length];
    }

    /// <summary>
    /// What the ingestor does with a get-entries page since issue 12: the base64 is decoded in place in
    /// the (pooled) body, entries are slices of it, messages go to pooled buffers. Allocated is per
    /// published entry (lite + full + domains).
    /// </summary>
    [Benchmark(OperationsPerInvoke = Entries, Description = "get-entries page in place: parse + decode + parse + serialize")]
    public int PageInPlace()
    {
        _page.CopyTo(_pageCopy, 0); // decoding in place overwrites the base64 (a memcpy of ~0.3 MB per 40 entries)
        _slices.Clear();
        Rfc6962Responses.ParseEntriesInPlace(_pageCopy, _slices);
        var bytes = 0;
        for (var i = 0; i < _slices.Count; i++)
        {
            var entry = Rfc6962EntryDecoder.Decode(_raw[i].Index, _slices[i].LeafInput, _slices[i].ExtraData);
            using var messages = _serializer.Serialize(entry, _raw[i].Log, 1779302894.512);
            bytes += messages.Get(CertStream.Contracts.StreamKind.Full).Length;
        }

        return bytes;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Entries, Description = "decode + parse + serialize (lite, full, domains)")]
    public int DecodeParseSerialize()
    {
        var bytes = 0;
        foreach (var raw in _raw)
        {
            var entry = Rfc6962EntryDecoder.Decode(raw.Index, raw.LeafInput, raw.ExtraData);
            using var messages = _serializer.Serialize(entry, raw.Log, 1779302894.512);
            bytes += messages.Get(CertStream.Contracts.StreamKind.Full).Length;
        }

        return bytes;
    }

    [Benchmark(OperationsPerInvoke = Entries, Description = "serialize only (parse + write, decoded entries)")]
    public int Serialize()
    {
        var bytes = 0;
        foreach (var entry in _decoded)
        {
            using var messages = _serializer.Serialize(entry, _raw[0].Log, 1779302894.512);
            bytes += messages.Get(CertStream.Contracts.StreamKind.Lite).Length;
        }

        return bytes;
    }

    [Benchmark(OperationsPerInvoke = Entries, Description = "decode only")]
    public long Decode()
    {
        long sum = 0;
        foreach (var raw in _raw)
        {
            sum += Rfc6962EntryDecoder.Decode(raw.Index, raw.LeafInput, raw.ExtraData).Chain.Count;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Entries, Description = "parse leaf + chain only")]
    public int Parse()
    {
        var count = 0;
        foreach (var entry in _decoded)
        {
            X509CertificateParser.Parse(entry.LeafDer, _parsed);
            count += _parsed.Extensions.SubjectAltNames.Count;
            for (var i = 0; i < entry.Chain.Count; i++)
            {
                X509CertificateParser.Parse(entry.Chain[i], _parsed);
                count += _parsed.Subject.Values.Count;
            }
        }

        return count;
    }
}
