using System.Buffers.Binary;

namespace CertStream.Ingestor.Ct.StaticCt;

/// <summary>
/// Decodes a (decompressed) static-ct-api data tile: the plain concatenation of TileLeaf records
/// (docs/ct-protocols.md §2.4). A tile is all or nothing: a record count other than the expected width,
/// a short or overlong record, trailing bytes, an unknown entry type or a leaf_index extension that
/// disagrees with the record's position throw <see cref="CtDecodeException"/>, because a half-parsed
/// tile would shift every later index.
/// </summary>
public static class TileLeafDecoder
{
    public const int TileWidth = 256;

    private const int LeafIndexExtensionType = 0;
    private const long MaxLeafIndex = (1L << 40) - 1;

    /// <summary>
    /// Decodes the <paramref name="expectedCount"/> records (256 for a full tile, W for <c>.p/W</c>) of data tile
    /// <paramref name="tileIndex"/>; record i is entry <c>tileIndex*256 + i</c>. The leaves slice <paramref name="tile"/>.
    /// </summary>
    public static TileLeaf[] Decode(ReadOnlyMemory<byte> tile, long tileIndex, int expectedCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tileIndex);
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(expectedCount, TileWidth);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tileIndex, MaxLeafIndex / TileWidth);

        var leaves = new TileLeaf[expectedCount];
        var reader = new Reader(tile, tileIndex);
        for (var i = 0; i < expectedCount; i++)
        {
            if (reader.AtEnd)
            {
                reader.Record = -1;
                throw reader.Fail($"has {i} records, expected {expectedCount}");
            }

            leaves[i] = ReadLeaf(ref reader, tileIndex * TileWidth + i);
        }

        if (!reader.AtEnd)
        {
            reader.Record = -1;
            throw reader.Fail($"has {reader.Remaining} bytes after its {expectedCount} expected records");
        }

        return leaves;
    }

    private static TileLeaf ReadLeaf(ref Reader reader, long index)
    {
        reader.Record = index;
        var start = reader.Position;
        var timestamp = reader.UInt64();
        if (timestamp < 0)
        {
            throw reader.Fail($"timestamp {(ulong)timestamp} is out of range");
        }

        var entryType = reader.UInt16();
        ReadOnlyMemory<byte> leafDer = default;
        ReadOnlyMemory<byte> precertTbs = default;
        switch (entryType)
        {
            case (int)CtEntryType.X509:
                leafDer = reader.Opaque24("certificate");
                break;
            case (int)CtEntryType.Precert:
                reader.Bytes(32, "issuer_key_hash");
                precertTbs = reader.Opaque24("tbs_certificate");
                break;
            default:
                throw reader.Fail($"unknown entry_type {entryType}");
        }

        ReadExtensions(ref reader, reader.Opaque16("extensions").Span, index);
        var timestampedEntry = reader.Slice(start, reader.Position - start);
        if (entryType == (int)CtEntryType.Precert)
        {
            leafDer = reader.Opaque24("pre_certificate");
        }

        var fingerprints = reader.Opaque16("certificate_chain");
        if (fingerprints.Length % TileLeaf.FingerprintLength != 0)
        {
            throw reader.Fail($"certificate_chain of {fingerprints.Length} bytes is not a multiple of 32");
        }

        return new TileLeaf(index, timestamp, (CtEntryType)entryType, leafDer, fingerprints) { TimestampedEntry = timestampedEntry, PrecertTbs = precertTbs };
    }

    /// <summary>CtExtensions: Extension { uint8 type; opaque data&lt;0..2^16-1&gt; }*. Only leaf_index (0) is checked.</summary>
    private static void ReadExtensions(ref Reader reader, ReadOnlySpan<byte> extensions, long index)
    {
        var seenLeafIndex = false;
        while (!extensions.IsEmpty)
        {
            if (extensions.Length < 3)
            {
                throw reader.Fail("truncated extension header");
            }

            var type = extensions[0];
            var length = BinaryPrimitives.ReadUInt16BigEndian(extensions[1..]);
            if (extensions.Length < 3 + length)
            {
                throw reader.Fail($"extension {type} of {length} bytes runs past the extensions");
            }

            var data = extensions.Slice(3, length);
            extensions = extensions[(3 + length)..];
            if (type != LeafIndexExtensionType)
            {
                continue;
            }

            if (seenLeafIndex || length != 5)
            {
                throw reader.Fail(seenLeafIndex ? "two leaf_index extensions" : $"leaf_index extension of {length} bytes, expected 5");
            }

            seenLeafIndex = true;
            long leafIndex = 0;
            foreach (var b in data)
            {
                leafIndex = (leafIndex << 8) | b;
            }

            if (leafIndex != index)
            {
                throw reader.Fail($"leaf_index extension says {leafIndex}");
            }
        }
    }

    private ref struct Reader(ReadOnlyMemory<byte> tile, long tileIndex)
    {
        private readonly ReadOnlyMemory<byte> _tile = tile;
        private readonly ReadOnlySpan<byte> _span = tile.Span;
        private readonly long _tileIndex = tileIndex;

        public int Position { get; private set; }

        public long Record { get; set; } = -1;

        public readonly bool AtEnd => Position == _span.Length;

        public readonly int Remaining => _span.Length - Position;

        public long UInt64() => BinaryPrimitives.ReadInt64BigEndian(Bytes(8, "timestamp").Span);

        public int UInt16() => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2, "entry_type").Span);

        public ReadOnlyMemory<byte> Opaque16(string field)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(Bytes(2, field).Span);
            return Bytes(length, field);
        }

        public ReadOnlyMemory<byte> Opaque24(string field)
        {
            var prefix = Bytes(3, field).Span;
            var length = (prefix[0] << 16) | (prefix[1] << 8) | prefix[2];
            if (length == 0)
            {
                throw Fail($"empty {field}");
            }

            return Bytes(length, field);
        }

        public ReadOnlyMemory<byte> Bytes(int count, string field)
        {
            if (count > Remaining)
            {
                throw Fail($"{field} needs {count} bytes at offset {Position}, only {Remaining} left");
            }

            var slice = _tile.Slice(Position, count);
            Position += count;
            return slice;
        }

        public readonly ReadOnlyMemory<byte> Slice(int start, int length) => _tile.Slice(start, length);

        public readonly CtDecodeException Fail(string why) => Record < 0
            ? new CtDecodeException($"data tile {_tileIndex} {why}")
            : new CtDecodeException($"data tile {_tileIndex}, entry {Record}: {why}");
    }
}
