using System.Text.Json;
using BenchmarkDotNet.Attributes;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Rfc6962;
using CertStream.Ingestor.LogList;
using CertStream.Ingestor.Serialization;
using CertStream.Ingestor.Verification;

namespace CertStream.Benchmarks;

/// <summary>
/// What verification adds to the ingest hot path (README "Verification"), per entry over the 40 live_ct.json
/// entries. "verified" = the baseline's decode + parse + serialize, plus the precert TBS check of every precert and,
/// once per 40 entries (the default audits one entry per batch of 256, so this overstates it 6×), a leaf hash and a
/// 30-node inclusion proof check. The once-per-poll costs (STH signature, consistency proof) are measured alone.
/// Network round trips for proofs run concurrently with the fetches and are not CPU work here.
/// </summary>
public class VerificationBenchmarks
{
    private const int Entries = 40;

    private readonly CertificateMessageSerializer _serializer = new();
    private LiveCtData.RawEntry[] _raw = [];
    private CtLogEntry[] _decoded = [];
    private LogKey _key = null!;
    private SignedTreeHead _sth;
    private byte[] _leafInput = [];
    private List<byte[]> _auditPath = [];
    private List<byte[]> _consistency = [];
    private static readonly byte[] OldRoot = Convert.FromBase64String("AuIZ5V6sDUj1vn3Y1K85oOaQ7y+FJJKtyRTl1edIKBQ=");

    [GlobalSetup]
    public void Setup()
    {
        _raw = LiveCtData.Load();
        _decoded = _raw.Select(r => Rfc6962EntryDecoder.Decode(r.Index, r.LeafInput, r.ExtraData)).ToArray();
        var argon = LogListParser.Parse(Resource("verification-logs.json"), DateTimeOffset.UnixEpoch).Logs.Single(l => l.Name.Contains("Argon2020", StringComparison.Ordinal));
        if (!LogKey.TryCreate(argon.PublicKey!, out var key))
        {
            throw new InvalidOperationException("Argon2020 key");
        }

        _key = key!;
        _sth = Rfc6962Responses.ParseSth(Resource("argon2020/get-sth.json"));
        _leafInput = Rfc6962Responses.ParseEntries(Resource("argon2020/get-entries.json"))[0].LeafInput;
        _auditPath = Hashes(Resource("argon2020/get-proof-by-hash_tree-size-961984011_index-10000.json"), "audit_path");
        _consistency = Hashes(Resource("argon2020/get-sth-consistency_first-3654490_second-961984011.json"), "consistency");
        if (!Verified())
        {
            throw new InvalidOperationException("the Argon2020 data does not verify");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Entries, Description = "decode + parse + serialize (no verification)")]
    public int Baseline()
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

    [Benchmark(OperationsPerInvoke = Entries, Description = "decode + precert check + parse + serialize, 1 inclusion proof per 40")]
    public int WithVerification()
    {
        var bytes = 0;
        foreach (var raw in _raw)
        {
            var entry = Rfc6962EntryDecoder.Decode(raw.Index, raw.LeafInput, raw.ExtraData);
            if (entry.Type == CtEntryType.Precert
                && !PrecertTbs.Matches(entry.PrecertTbs.Span, entry.LeafDer.Span, entry.Chain.Count > 0 ? entry.Chain[0].Span : default))
            {
                throw new InvalidOperationException($"entry {entry.Index} does not match");
            }

            using var messages = _serializer.Serialize(entry, raw.Log, 1779302894.512);
            bytes += messages.Get(CertStream.Contracts.StreamKind.Full).Length;
        }

        return Verified() ? bytes : -1;
    }

    [Benchmark(OperationsPerInvoke = Entries, Description = "verification work alone: precert check + 1 inclusion proof per 40")]
    public int VerificationOnly()
    {
        var matched = 0;
        foreach (var entry in _decoded)
        {
            if (entry.Type == CtEntryType.Precert
                && PrecertTbs.Matches(entry.PrecertTbs.Span, entry.LeafDer.Span, entry.Chain.Count > 0 ? entry.Chain[0].Span : default))
            {
                matched++;
            }
        }

        return Verified() ? matched : -1;
    }

    [Benchmark(Description = "STH signature (ECDSA P-256), once per poll")]
    public bool SthSignature() => _key.VerifyTreeHead(_sth.TimestampMs, _sth.TreeSize, _sth.RootHash, _sth.Signature);

    [Benchmark(Description = "consistency proof, 30 nodes, once per new STH")]
    public bool ConsistencyProof() => MerkleTree.VerifyConsistency(3654490, _sth.TreeSize, OldRoot, _sth.RootHash, _consistency);

    private bool Verified()
    {
        Span<byte> leafHash = stackalloc byte[MerkleTree.HashLength];
        MerkleTree.LeafHash(_leafInput, leafHash);
        return MerkleTree.VerifyInclusion(10000, _sth.TreeSize, leafHash, _auditPath, _sth.RootHash);
    }

    private static byte[] Resource(string name)
    {
        using var stream = typeof(VerificationBenchmarks).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static List<byte[]> Hashes(byte[] json, string property)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty(property).EnumerateArray().Select(e => e.GetBytesFromBase64()).ToList();
    }
}
