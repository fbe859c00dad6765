using System.Buffers.Text;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using CertStream.Ingestor.Certificates;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Verification;

namespace CertStream.Ingestor.Serialization;

/// <summary>
/// Writes the lite, full and domains messages of one entry (docs/wire-format.md) into one pooled buffer.
/// The leaf is parsed once and its object rendered once: as is for lite, with <c>as_der</c> appended
/// for full. Chain certificates are rendered once per thread and then come from
/// <see cref="ChainCertificateCache"/> (CT chains are a few intermediates repeated). Per-thread
/// scratch (writers, buffers, parsed certificates) keeps the allocations per entry to the result
/// object and the cert_link string.
/// </summary>
public sealed class CertificateMessageSerializer : ICertificateMessageSerializer
{
    private static readonly JsonEncodedText MessageType = JsonEncodedText.Encode("message_type");
    private static readonly JsonEncodedText CertificateUpdate = JsonEncodedText.Encode("certificate_update");
    private static readonly JsonEncodedText DnsEntries = JsonEncodedText.Encode("dns_entries");
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");
    private static readonly JsonEncodedText UpdateType = JsonEncodedText.Encode("update_type");
    private static readonly JsonEncodedText X509LogEntry = JsonEncodedText.Encode("X509LogEntry");
    private static readonly JsonEncodedText PrecertLogEntry = JsonEncodedText.Encode("PrecertLogEntry");
    private static readonly JsonEncodedText LeafCert = JsonEncodedText.Encode("leaf_cert");
    private static readonly JsonEncodedText Chain = JsonEncodedText.Encode("chain");
    private static readonly JsonEncodedText CertIndex = JsonEncodedText.Encode("cert_index");
    private static readonly JsonEncodedText CertLinkKey = JsonEncodedText.Encode("cert_link");
    private static readonly JsonEncodedText Seen = JsonEncodedText.Encode("seen");
    private static readonly JsonEncodedText Source = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Url = JsonEncodedText.Encode("url");
    private static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText SubmissionTimestamp = JsonEncodedText.Encode("submission_timestamp");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText Integrity = JsonEncodedText.Encode("integrity");

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Not HTML-embedded: keep non-ASCII and ' < > & as they are (smaller, like the Go server).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    [ThreadStatic]
    private static Scratch? t_scratch;

    public SerializedCertificate Serialize(in CtLogEntry entry, CtLogInfo log, double seenUnixSeconds)
    {
        ArgumentNullException.ThrowIfNull(log);
        var scratch = t_scratch ??= new Scratch();
        var precert = entry.Type == CtEntryType.Precert;

        // Leaf: parse (throws CtDecodeException when it is not a certificate), then render once.
        var leaf = scratch.Certificate(0);
        X509CertificateParser.Parse(entry.LeafDer, leaf);
        scratch.Domains.Fill(leaf);
        var header = scratch.Header.Build(scratch.Domains, leaf.Issuer);
        var writer = scratch.Writer;
        scratch.Leaf.Clear();
        writer.Reset(scratch.Leaf);
        Span<byte> digests = stackalloc byte[SerializedCertificate.LeafDigestsLength];
        scratch.Json.Write(writer, leaf, scratch.Domains, includeDer: false, forcePoison: precert, digests);
        writer.Flush();

        // Leaf with as_der: the leaf object without its closing brace, then ,"as_der":"…"}.
        var leafJson = scratch.Leaf.WrittenSpan;
        scratch.FullLeaf.Clear();
        scratch.FullLeaf.Write(leafJson[..^1]);
        scratch.FullLeaf.Write(",\"as_der\":\""u8);
        var der = entry.LeafDer.Span;
        var base64 = scratch.FullLeaf.GetSpan(Base64.GetMaxEncodedToUtf8Length(der.Length) + 2);
        Base64.EncodeToUtf8(der, base64, out _, out var encoded);
        base64[encoded] = (byte)'"';
        base64[encoded + 1] = (byte)'}';
        scratch.FullLeaf.Advance(encoded + 2);

        var output = scratch.Output;
        output.Clear(); // in case an earlier call stopped half-way
        var certLink = CertLink.For(log, entry.Index);

        // Each message is its envelope header and its JSON, back to back (docs/architecture.md).
        output.Write(header);
        writer.Reset(output);
        WriteCertificateUpdate(writer, scratch, entry, log, certLink, seenUnixSeconds, full: false);
        writer.Flush();
        var liteEnd = output.WrittenCount;

        output.Write(header);
        writer.Reset(output);
        WriteCertificateUpdate(writer, scratch, entry, log, certLink, seenUnixSeconds, full: true);
        writer.Flush();
        var fullEnd = output.WrittenCount;

        output.Write(header);
        writer.Reset(output);
        writer.WriteStartObject();
        writer.WriteString(MessageType, DnsEntries);
        writer.WriteStartArray(Data);
        for (var i = 0; i < scratch.Domains.Count; i++)
        {
            writer.WriteStringValue(scratch.Domains[i]);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        var domainsEnd = output.WrittenCount;
        writer.Reset(Stream.Null); // drop the reference to the buffer that is handed over
        output.Write(digests); // after the messages, in the same pooled buffer: no allocation of their own

        // The array goes with the result; the next entry gets one sized like this one, so that it
        // rarely has to grow (and copy) while writing.
        var nextCapacity = Math.Max(16 * 1024, domainsEnd + (domainsEnd / 4));
        return new PooledSerializedCertificate(output.Detach(nextCapacity), header.Length, liteEnd, fullEnd, domainsEnd);
    }

    private static void WriteCertificateUpdate(
        Utf8JsonWriter writer, Scratch scratch, in CtLogEntry entry, CtLogInfo log, string certLink, double seen, bool full)
    {
        writer.WriteStartObject();
        writer.WriteString(MessageType, CertificateUpdate);
        writer.WriteStartObject(Data);
        writer.WriteString(UpdateType, entry.Type == CtEntryType.Precert ? PrecertLogEntry : X509LogEntry);
        writer.WritePropertyName(LeafCert);
        writer.WriteRawValue(full ? scratch.FullLeaf.WrittenSpan : scratch.Leaf.WrittenSpan, skipInputValidation: true);
        if (full)
        {
            writer.WriteStartArray(Chain);
            for (var i = 0; i < entry.Chain.Count; i++)
            {
                writer.WriteRawValue(scratch.ChainCertificateJson(entry.Chain[i]), skipInputValidation: true);
            }

            writer.WriteEndArray();
        }

        writer.WriteNumber(CertIndex, entry.Index);
        writer.WriteString(CertLinkKey, certLink);
        writer.WritePropertyName(Seen);
        WriteSeconds(writer, seen);
        // certstream-server-rust's name for source.timestamp: additive, so its clients keep working.
        writer.WritePropertyName(SubmissionTimestamp);
        WriteMilliseconds(writer, entry.TimestampMs);
        writer.WriteStartObject(Source);
        writer.WriteString(Name, log.Name);
        writer.WriteString(Url, log.Url);
        writer.WritePropertyName(Timestamp);
        WriteMilliseconds(writer, entry.TimestampMs);
        writer.WriteString(Type, log.TypeName);
        writer.WriteEndObject();
        if (entry.Integrity.WireName() is { } integrity)
        {
            // Only on marked entries, so normal messages stay byte-identical (docs/wire-format.md).
            writer.WriteString(Integrity, integrity);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    // Float seconds that always look like a float (1779302894.512, 1700000000.0), never in exponent form.
    private static void WriteSeconds(Utf8JsonWriter writer, double seconds)
    {
        Span<byte> text = stackalloc byte[40];
        if (!double.IsFinite(seconds))
        {
            seconds = 0;
        }

        var format = Math.Abs(seconds) < 1e15 ? "R" : "F3";
        seconds.TryFormat(text, out var n, format, CultureInfo.InvariantCulture);
        if (text[..n].IndexOfAny((byte)'E', (byte)'e') >= 0)
        {
            seconds.TryFormat(text, out n, "F6", CultureInfo.InvariantCulture);
        }

        if (text[..n].IndexOf((byte)'.') < 0)
        {
            text[n++] = (byte)'.';
            text[n++] = (byte)'0';
        }

        writer.WriteRawValue(text[..n], skipInputValidation: true);
    }

    // Milliseconds as exact decimal seconds: 1779302893636 → 1779302893.636, 1779302893600 → 1779302893.6.
    private static void WriteMilliseconds(Utf8JsonWriter writer, long milliseconds)
    {
        Span<byte> text = stackalloc byte[32];
        var (whole, fraction) = Math.DivRem(milliseconds, 1000);
        whole.TryFormat(text, out var n, default, CultureInfo.InvariantCulture);
        text[n++] = (byte)'.';
        text[n++] = (byte)('0' + (fraction / 100));
        if (fraction % 100 != 0)
        {
            text[n++] = (byte)('0' + (fraction / 10 % 10));
            if (fraction % 10 != 0)
            {
                text[n++] = (byte)('0' + (fraction % 10));
            }
        }

        writer.WriteRawValue(text[..n], skipInputValidation: true);
    }

    /// <summary>Per-thread buffers and parsed certificates, reused for every entry.</summary>
    private sealed class Scratch
    {
        private readonly ParsedCertificate[] _certificates = [new(), new()];

        public Utf8JsonWriter Writer { get; } = new(Stream.Null, WriterOptions);

        public DetachableBufferWriter Leaf { get; } = new(8 * 1024);

        public DetachableBufferWriter FullLeaf { get; } = new(16 * 1024);

        public DetachableBufferWriter Output { get; } = new(16 * 1024);

        public CertificateJsonWriter Json { get; } = new();

        public AllDomains Domains { get; } = new();

        public EnvelopeHeader Header { get; } = new();

        public DetachableBufferWriter ChainJson { get; } = new(8 * 1024);

        public ChainCertificateCache ChainCache { get; } = new();

        private Utf8JsonWriter ChainWriter { get; } = new(Stream.Null, WriterOptions);

        /// <summary>The full-stream object of a chain certificate, from the cache or rendered now.</summary>
        public ReadOnlySpan<byte> ChainCertificateJson(ReadOnlyMemory<byte> der)
        {
            if (ChainCache.TryGet(der.Span, out var cached))
            {
                return cached;
            }

            var certificate = Certificate(1);
            try
            {
                X509CertificateParser.Parse(der, certificate);
            }
            catch (CtDecodeException)
            {
                // Not a certificate: written with its DER and hashes only (fields null), so nothing is lost.
            }

            ChainJson.Clear();
            ChainWriter.Reset(ChainJson);
            Json.Write(ChainWriter, certificate, domains: null, includeDer: true, forcePoison: false);
            ChainWriter.Flush();
            ChainCache.Add(der.Span, ChainJson.WrittenSpan);
            return ChainJson.WrittenSpan;
        }

        /// <summary>0: the leaf; 1: the chain certificate being rendered.</summary>
        public ParsedCertificate Certificate(int position) => _certificates[position];
    }
}
