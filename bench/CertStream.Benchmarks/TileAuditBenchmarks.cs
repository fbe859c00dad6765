using BenchmarkDotNet.Attributes;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.StaticCt;
using CertStream.Ingestor.Serialization;
using CertStream.Ingestor.Verification;

namespace CertStream.Benchmarks;

/// <summary>
/// What the static-ct hash-tile check adds per entry (README "Verification"), on the real Navigli data tile 1 (256 precerts)
/// and its real level-0 tiles and issuers. "with tile audit" = the baseline (decode + parse + serialize each entry, chains
/// included, as the follower publishes them) plus a fresh
/// <see cref="TileAudit"/> per tile: one SHA-256 per entry, the tile's Merkle root (255 node hashes), its entry in the
/// level-1 tile and the fold of the right-edge tiles into the checkpoint root. A real round folds the root once for all its
/// tiles, so this overstates it. The tiles come from memory: the requests are I/O, made concurrently with the data tiles'.
/// </summary>
public class TileAuditBenchmarks
{
    private const int Size = 1024;
    private static readonly byte[] Root1024 = Convert.FromBase64String("EMfGG85uIddeOXt5/wdQGP3IQd0COCqoLg9Q6CsPLJA=");

    private readonly CertificateMessageSerializer _serializer = new();
    private readonly CtLogInfo _log = CtLogInfo.Create("Navigli 2025h2", "https://navigli2025h2.example/", CtLogKind.Tiled);
    private byte[] _tile = [];
    private byte[][] _levelZero = [];
    private byte[] _levelOne = [];
    private TileLeaf[] _leaves = [];
    private Dictionary<string, ReadOnlyMemory<byte>> _issuers = [];

    [GlobalSetup]
    public void Setup()
    {
        _tile = Resource("navigli/data/001");
        _levelZero = [.. Enumerable.Range(0, 4).Select(n => Resource($"navigli/0/{n:000}"))];
        _levelOne = [.. _levelZero.SelectMany(t => MerkleTree.Root(t))];
        _leaves = TileLeafDecoder.Decode(_tile, 1, 256);
        _issuers = typeof(TileAuditBenchmarks).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("navigli/issuer/", StringComparison.Ordinal))
            .ToDictionary(n => n["navigli/issuer/".Length..], n => (ReadOnlyMemory<byte>)Resource(n), StringComparer.Ordinal);
        if (Audit() is { } failure)
        {
            throw new InvalidOperationException($"the Navigli tiles do not verify: {failure}");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 256, Description = "decode + parse + serialize a data tile (no verification)")]
    public int Baseline() => DecodeParseSerialize();

    [Benchmark(OperationsPerInvoke = 256, Description = "decode + parse + serialize + tile audit")]
    public int WithTileAudit() => Audit() is null ? DecodeParseSerialize() : -1;

    [Benchmark(OperationsPerInvoke = 256, Description = "tile audit alone (leaf hashes, tile root, fold)")]
    public bool TileAuditOnly() => Audit() is null;

    private TileFailure? Audit()
    {
        var audit = new TileAudit(Size, Root1024, new TileStore(),
            (level, index, width, _) => Task.FromResult(level == 0 ? _levelZero[index] : _levelOne), CancellationToken.None);
        return audit.CheckDataTileAsync(1, _leaves, 256).GetAwaiter().GetResult();
    }

    private int DecodeParseSerialize()
    {
        var bytes = 0;
        foreach (var leaf in TileLeafDecoder.Decode(_tile, 1, 256))
        {
            // The chain as the follower resolves it (from its issuer cache: no request here).
            var chain = new ReadOnlyMemory<byte>[leaf.FingerprintCount];
            for (var i = 0; i < chain.Length; i++)
            {
                chain[i] = _issuers[Convert.ToHexStringLower(leaf.Fingerprint(i).Span)];
            }

            var entry = new CtLogEntry(leaf.Index, leaf.TimestampMs, leaf.Type, leaf.LeafDer, chain) { PrecertTbs = leaf.PrecertTbs };
            using var messages = _serializer.Serialize(entry, _log, 1779302894.512);
            bytes += messages.Get(CertStream.Contracts.StreamKind.Full).Length;
        }

        return bytes;
    }

    private static byte[] Resource(string name)
    {
        using var stream = typeof(TileAuditBenchmarks).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
