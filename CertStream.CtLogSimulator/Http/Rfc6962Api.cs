using System.Globalization;
using CertStream.CtLogSimulator.Entries;
using CertStream.CtLogSimulator.Faults;

namespace CertStream.CtLogSimulator.Http;

/// <summary>RFC 6962 §4.3, §4.6, §4.7: get-sth, get-entries, get-roots.</summary>
internal static class Rfc6962Api
{
    public static SimResponse GetSth(SimulatedLog log, SimulatedFault? fault)
    {
        var head = log.ServedTreeHead(fault);
        var body = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("tree_size", head.TreeSize);
            w.WriteNumber("timestamp", head.TimestampMs);
            w.WriteBase64String("sha256_root_hash", head.RootHash);
            w.WriteBase64String("tree_head_signature", head.Signature);
            w.WriteEndObject();
        });
        return Malformed(new SimResponse(StatusCodes.Status200OK, SimResponse.Json, body), fault);
    }

    /// <summary>RFC 6962 §4.4 from the log's real Merkle tree (logs with <see cref="SimulatedLogOptions.MerkleTree"/>).</summary>
    public static SimResponse GetSthConsistency(SimulatedLog log, IQueryCollection query, SimulatedFault? fault)
    {
        if (!TryParseIndex(query["first"], out var first) || !TryParseIndex(query["second"], out var second) || first > second || second > log.TreeSize)
        {
            return SimResponse.BadRequest("first and second must be sizes with first <= second <= tree_size");
        }

        var proof = MerkleHashes.Consistency(log.LeafHashes(second), (int)first, (int)second);
        var body = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("consistency");
            foreach (var hash in proof)
            {
                w.WriteBase64StringValue(hash);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        return Malformed(new SimResponse(StatusCodes.Status200OK, SimResponse.Json, body), fault);
    }

    /// <summary>RFC 6962 §4.5 from the log's real Merkle tree (logs with <see cref="SimulatedLogOptions.MerkleTree"/>).</summary>
    public static SimResponse GetProofByHash(SimulatedLog log, IQueryCollection query, SimulatedFault? fault)
    {
        byte[] hash;
        try
        {
            hash = Convert.FromBase64String(query["hash"].ToString());
        }
        catch (FormatException)
        {
            return SimResponse.BadRequest("hash must be base64");
        }

        if (!TryParseIndex(query["tree_size"], out var size) || size < 1 || size > log.TreeSize)
        {
            return SimResponse.BadRequest("tree_size must be between 1 and tree_size");
        }

        var leaves = log.LeafHashes(size);
        var index = -1;
        for (var i = 0; i < leaves.Count && index < 0; i++)
        {
            index = leaves[i].AsSpan().SequenceEqual(hash) ? i : -1;
        }

        if (index < 0)
        {
            return SimResponse.NotFound();
        }

        var path = MerkleHashes.Path(leaves, index, 0, (int)size);
        var body = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("leaf_index", index);
            w.WriteStartArray("audit_path");
            foreach (var node in path)
            {
                w.WriteBase64StringValue(node);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        return Malformed(new SimResponse(StatusCodes.Status200OK, SimResponse.Json, body), fault);
    }

    public static SimResponse GetEntries(SimulatedLog log, IQueryCollection query, SimulatedFault? fault)
    {
        if (!TryParseIndex(query["start"], out var start) || !TryParseIndex(query["end"], out var end))
        {
            return SimResponse.BadRequest("start and end must be decimal integers >= 0");
        }

        if (start > end)
        {
            return SimResponse.BadRequest("start must not be greater than end");
        }

        var size = log.TreeSize;
        if (start >= size)
        {
            log.CountRequestBeyondTree();
            return SimResponse.BadRequest($"start {start} is not below tree_size {size}");
        }

        if (end >= size)
        {
            if (log.Options.RejectEndBeyondTreeSize)
            {
                log.CountRequestBeyondTree();
                return SimResponse.BadRequest($"end {end} is not below tree_size {size}");
            }

            end = size - 1;
        }

        var count = Math.Min(end - start + 1, log.PageCap);
        var body = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("entries");
            for (var i = start; i < start + count; i++)
            {
                var entry = log.GetEntry(i);
                w.WriteStartObject();
                w.WriteBase64String("leaf_input", entry.LeafInput.Span);
                w.WriteBase64String("extra_data", entry.ExtraData.Span);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        return Malformed(new SimResponse(StatusCodes.Status200OK, SimResponse.Json, body), fault);
    }

    public static SimResponse GetRoots(SimulatedLog log, SimulatedFault? fault)
    {
        var roots = new List<ReadOnlyMemory<byte>> { CertificateFactory.Shared.RootDer };
        if (log.Options.UseRecordedEntries)
        {
            foreach (var entry in RecordedData.Shared.Rfc6962Entries)
            {
                if (entry.Chain.Count > 0 && !roots.Exists(r => r.Span.SequenceEqual(entry.Chain[^1].Span)))
                {
                    roots.Add(entry.Chain[^1]);
                }
            }
        }

        var body = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("certificates");
            foreach (var root in roots)
            {
                w.WriteBase64StringValue(root.Span);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        return Malformed(new SimResponse(StatusCodes.Status200OK, SimResponse.Json, body), fault);
    }

    private static SimResponse Malformed(SimResponse response, SimulatedFault? fault) =>
        fault?.Kind == SimulatedFaultKind.MalformedBody ? response.CutInHalf() : response;

    private static bool TryParseIndex(string? value, out long result) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result);
}
