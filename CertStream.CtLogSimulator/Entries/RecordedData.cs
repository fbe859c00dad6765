using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;

namespace CertStream.CtLogSimulator.Entries;

/// <summary>
/// The real entries embedded in the simulator (Resources/PROVENANCE.md): 40 RFC 6962 get-entries entries
/// (Argon2026h2 and Nimbus2026) and the 1024 TileLeafs of 4 Navigli2025h2 data tiles with their 5 issuers.
/// Loaded once per process.
/// </summary>
internal sealed class RecordedData
{
    public const int NavigliTileCount = 4;
    private const string ResourcePrefix = "sim/";

    private static readonly Lazy<RecordedData> Instance = new(Load);

    private readonly byte[][] _navigliTiles;

    private RecordedData(SimulatedEntry[] rfc6962, byte[][] navigliTiles, SimulatedEntry[] tiled, Dictionary<string, byte[]> issuers)
    {
        Rfc6962Entries = rfc6962;
        _navigliTiles = navigliTiles;
        TiledEntries = tiled;
        Issuers = issuers;
    }

    public static RecordedData Shared => Instance.Value;

    /// <summary>Recorded get-entries entries; entry i of a simulated RFC 6962 log is entry i here.</summary>
    public IReadOnlyList<SimulatedEntry> Rfc6962Entries { get; }

    /// <summary>Recorded TileLeafs; their leaf_index extension equals their position.</summary>
    public IReadOnlyList<SimulatedEntry> TiledEntries { get; }

    /// <summary>The Navigli issuer DERs by lowercase hex SHA-256.</summary>
    public IReadOnlyDictionary<string, byte[]> Issuers { get; }

    /// <summary>An uncompressed recorded data tile (0..3), exactly as the log published it.</summary>
    public ReadOnlyMemory<byte> NavigliTile(int n) => _navigliTiles[n];

    private static RecordedData Load()
    {
        var issuers = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var assembly = typeof(RecordedData).Assembly;
        foreach (var name in assembly.GetManifestResourceNames())
        {
            var normalized = name.Replace('\\', '/');
            const string issuerFolder = ResourcePrefix + "navigli2025h2/issuer/";
            if (normalized.StartsWith(issuerFolder, StringComparison.Ordinal))
            {
                var der = ReadResource(assembly, name);
                var hex = normalized[issuerFolder.Length..];
                if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(der)), hex, StringComparison.Ordinal))
                {
                    throw new InvalidDataException($"embedded issuer {hex} does not hash to its name");
                }

                issuers.Add(hex, der);
            }
        }

        var tiles = new byte[NavigliTileCount][];
        var tiled = new List<SimulatedEntry>(NavigliTileCount * 256);
        for (var n = 0; n < NavigliTileCount; n++)
        {
            tiles[n] = ReadResource(assembly, $"{ResourcePrefix}navigli2025h2/tile/data/{n:000}");
            ParseTile(tiles[n], n, issuers, tiled);
        }

        return new RecordedData(ParseRfc6962(ReadResource(assembly, ResourcePrefix + "live_ct.entries.json")), tiles, [.. tiled], issuers);
    }

    private static byte[] ReadResource(Assembly assembly, string logicalName)
    {
        var name = Array.Find(assembly.GetManifestResourceNames(), n => n.Replace('\\', '/') == logicalName)
            ?? throw new InvalidOperationException($"embedded resource {logicalName} is missing");
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static SimulatedEntry[] ParseRfc6962(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var entries = new List<SimulatedEntry>();
        foreach (var element in document.RootElement.EnumerateArray())
        {
            var leafInput = element.GetProperty("leaf_input").GetBytesFromBase64();
            var extraData = element.GetProperty("extra_data").GetBytesFromBase64();
            entries.Add(ParseRfc6962Entry(entries.Count, leafInput, extraData));
        }

        return [.. entries];
    }

    private static SimulatedEntry ParseRfc6962Entry(long index, byte[] leafInput, byte[] extraData)
    {
        var leaf = new TlsReader(leafInput);
        if (leaf.UInt8() != 0 || leaf.UInt8() != 0)
        {
            throw new InvalidDataException("recorded leaf_input is not a v1 timestamped_entry");
        }

        var timestamp = leaf.UInt64();
        var type = (SimulatedEntryType)leaf.UInt16();
        ReadOnlyMemory<byte> issuerKeyHash = default;
        ReadOnlyMemory<byte> tbs = default;
        ReadOnlyMemory<byte> leafDer = default;
        if (type == SimulatedEntryType.Precert)
        {
            issuerKeyHash = leafInput.AsMemory(leaf.Position, 32);
            leaf.Bytes(32);
            var length = leaf.UInt24();
            tbs = leafInput.AsMemory(leaf.Position, length);
            leaf.Bytes(length);
        }
        else
        {
            var length = leaf.UInt24();
            leafDer = leafInput.AsMemory(leaf.Position, length);
            leaf.Bytes(length);
        }

        leaf.Opaque16();
        Expect(leaf.Remaining == 0, "trailing bytes in recorded leaf_input");

        var extra = new TlsReader(extraData);
        if (type == SimulatedEntryType.Precert)
        {
            var length = extra.UInt24();
            leafDer = extraData.AsMemory(extra.Position, length);
            extra.Bytes(length);
        }

        var chainEnd = extra.UInt24() + extra.Position;
        var chain = new List<ReadOnlyMemory<byte>>();
        while (extra.Position < chainEnd)
        {
            var length = extra.UInt24();
            chain.Add(extraData.AsMemory(extra.Position, length));
            extra.Bytes(length);
        }

        Expect(extra.Position == chainEnd && extra.Remaining == 0, "malformed recorded extra_data");
        return new SimulatedEntry(index, timestamp, type, leafDer, tbs, issuerKeyHash, chain, isRecorded: true)
        {
            LeafInput = leafInput,
            ExtraData = extraData,
        };
    }

    private static void ParseTile(byte[] tile, int tileIndex, Dictionary<string, byte[]> issuers, List<SimulatedEntry> entries)
    {
        var reader = new TlsReader(tile);
        var count = 0;
        while (reader.Remaining > 0)
        {
            var start = reader.Position;
            var timestamp = reader.UInt64();
            var type = (SimulatedEntryType)reader.UInt16();
            Expect(type == SimulatedEntryType.Precert, "the recorded tiles hold precerts only");
            var issuerKeyHash = tile.AsMemory(reader.Position, 32);
            reader.Bytes(32);
            var tbsLength = reader.UInt24();
            var tbs = tile.AsMemory(reader.Position, tbsLength);
            reader.Bytes(tbsLength);
            reader.Opaque16();
            var preLength = reader.UInt24();
            var preCertificate = tile.AsMemory(reader.Position, preLength);
            reader.Bytes(preLength);
            var fingerprints = reader.Opaque16();
            var chain = new List<ReadOnlyMemory<byte>>();
            for (var f = 0; f < fingerprints.Length; f += 32)
            {
                chain.Add(issuers[Convert.ToHexStringLower(fingerprints.Slice(f, 32))]);
            }

            var index = (long)tileIndex * 256 + count++;
            entries.Add(new SimulatedEntry(index, timestamp, type, preCertificate, tbs, issuerKeyHash, chain, isRecorded: true)
            {
                TileLeaf = tile.AsMemory(start, reader.Position - start),
            });
        }

        Expect(count == 256, "a recorded full tile holds 256 entries");
    }

    private static void Expect(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException(message);
        }
    }
}
