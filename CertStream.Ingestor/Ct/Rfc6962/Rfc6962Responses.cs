using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace CertStream.Ingestor.Ct.Rfc6962;

/// <summary>Parses get-sth and get-entries bodies (RFC 6962 §4.3, §4.6). Unknown fields are ignored.</summary>
public static class Rfc6962Responses
{
    public static SignedTreeHead ParseSth(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            long? size = null, timestamp = null;
            byte[] root = [], signature = [];
            Expect(ref reader, JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("tree_size"u8))
                {
                    reader.Read();
                    size = reader.GetInt64();
                }
                else if (reader.ValueTextEquals("timestamp"u8))
                {
                    reader.Read();
                    timestamp = reader.GetInt64();
                }
                else if (reader.ValueTextEquals("sha256_root_hash"u8))
                {
                    // Not base64: left empty, so the signature check fails; polling does not depend on it.
                    reader.Read();
                    root = reader.TokenType == JsonTokenType.String && reader.TryGetBytesFromBase64(out var r) ? r : [];
                }
                else if (reader.ValueTextEquals("tree_head_signature"u8))
                {
                    reader.Read();
                    signature = reader.TokenType == JsonTokenType.String && reader.TryGetBytesFromBase64(out var g) ? g : [];
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (size is not { } s || s < 0)
            {
                throw new CtDecodeException("get-sth: tree_size missing or negative");
            }

            return new SignedTreeHead(s, timestamp ?? 0) { RootHash = root, Signature = signature };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new CtDecodeException($"get-sth: malformed JSON ({ex.Message})", ex);
        }
    }

    /// <summary>
    /// get-entries as arrays of their own, for callers that keep entries past the body (a timestamp probe, the
    /// feed's gap reader): the in-place parser on a copy, so both paths share one set of rules and errors.
    /// </summary>
    public static List<RawEntry> ParseEntries(ReadOnlySpan<byte> json)
    {
        var slices = new List<RawEntrySlice>();
        ParseEntriesInPlace(json.ToArray(), slices);
        var entries = new List<RawEntry>(slices.Count);
        foreach (var slice in slices)
        {
            entries.Add(new RawEntry(slice.LeafInput.ToArray(), slice.ExtraData.ToArray()));
        }

        return entries;
    }

    /// <summary>
    /// get-entries parsed where it lies: each base64 value is decoded in place (the bytes are shorter
    /// than their base64, and the reader is past them), so the entries are slices of
    /// <paramref name="json"/> and parsing allocates nothing per entry. Same rules and errors as
    /// <see cref="ParseEntries"/>.
    /// </summary>
    public static void ParseEntriesInPlace(Memory<byte> json, List<RawEntrySlice> entries)
    {
        var first = entries.Count;
        try
        {
            var reader = new Utf8JsonReader(json.Span);
            Expect(ref reader, JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("entries"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                Expect(ref reader, JsonTokenType.StartArray);
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadOnlyMemory<byte>? leaf = null, extra = null;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("leaf_input"u8))
                        {
                            reader.Read();
                            leaf = DecodeInPlace(ref reader, json);
                        }
                        else if (reader.ValueTextEquals("extra_data"u8))
                        {
                            reader.Read();
                            extra = DecodeInPlace(ref reader, json);
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }

                    entries.Add(new RawEntrySlice(
                        leaf ?? throw new CtDecodeException($"get-entries: entry {entries.Count - first} has no leaf_input"),
                        extra ?? ReadOnlyMemory<byte>.Empty));
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new CtDecodeException($"get-entries: malformed JSON ({ex.Message})", ex);
        }
    }

    private static ReadOnlyMemory<byte> DecodeInPlace(ref Utf8JsonReader reader, Memory<byte> json)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence)
        {
            // Not a plain string (a JSON escape such as \/ in it, or not a string at all): the reader's
            // own decoding, with its errors.
            return reader.GetBytesFromBase64();
        }

        // A string token starts at its opening quote.
        var value = json.Slice(checked((int)reader.TokenStartIndex + 1), reader.ValueSpan.Length);
        if (Base64.DecodeFromUtf8InPlace(value.Span, out var written) != OperationStatus.Done)
        {
            throw new FormatException("a value is not valid base64");
        }

        return value[..written];
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new CtDecodeException($"expected {type}, found {reader.TokenType}");
        }
    }
}
