using System.Buffers;
using System.Text.Json;

namespace CertStream.LoadTool;

/// <summary>
/// Realistic lite <c>certificate_update</c> messages (about 1.2-1.8 KB, the shape of docs/wire-format.md),
/// each with <c>seen</c> set to the moment it is built, in microseconds.
/// </summary>
internal sealed class LiteMessageFactory
{
    private static readonly string[] Words = ["shop", "mail", "api", "cdn", "portal", "dev", "static", "auth", "app", "login", "beta", "files"];
    private static readonly string[] Tlds = ["com", "net", "org", "io", "de", "co.uk", "fr", "nl"];
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Random _random = new(42);
    private long _index = 1_111_014_091;

    public byte[] Create(double seen)
    {
        _buffer.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_buffer))
        {
            var domain = $"{Words[_random.Next(Words.Length)]}{_random.Next(100_000)}.{Tlds[_random.Next(Tlds.Length)]}";
            var sans = 1 + _random.Next(6);
            var index = _index++;
            w.WriteStartObject();
            w.WriteString("message_type", "certificate_update");
            w.WriteStartObject("data");
            w.WriteString("update_type", _random.Next(2) == 0 ? "X509LogEntry" : "PrecertLogEntry");
            w.WriteStartObject("leaf_cert");
            WriteName(w, "subject", null, domain, null);
            WriteName(w, "issuer", "US", "R11", "Let's Encrypt");
            w.WriteStartObject("extensions");
            w.WriteString("authorityInfoAccess", "URI:http://r11.i.lencr.org/");
            w.WriteString("authorityKeyIdentifier", "keyid:" + Hex(20, lower: true));
            w.WriteString("basicConstraints", "CA:FALSE");
            w.WriteString("certificatePolicies", "Policy: 2.23.140.1.2.1\n");
            w.WriteString("extendedKeyUsage", "serverAuth, clientAuth");
            w.WriteString("keyUsage", "Digital Signature, Key Encipherment");
            w.WriteString("subjectAltName", string.Join(", ", Enumerable.Range(0, sans).Select(i => "DNS:" + San(domain, i))));
            w.WriteString("subjectKeyIdentifier", "keyid:" + Hex(20, lower: true));
            w.WriteEndObject();
            w.WriteNumber("not_before", 1_779_235_200);
            w.WriteNumber("not_after", 1_787_097_599);
            w.WriteString("serial_number", Hex(16, lower: false).Replace(":", ""));
            var sha1 = Hex(20, lower: false);
            w.WriteString("fingerprint", sha1);
            w.WriteString("sha1", sha1);
            w.WriteString("sha256", Hex(32, lower: false));
            w.WriteString("signature_algorithm", "sha256, rsa");
            w.WriteBoolean("is_ca", false);
            w.WriteStartArray("all_domains");
            for (var i = 0; i < sans; i++)
            {
                w.WriteStringValue(San(domain, i));
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteNumber("cert_index", index);
            w.WriteString("cert_link", $"https://ct.googleapis.com/logs/us1/argon2026h2/ct/v1/get-entries?start={index}&end={index}");
            w.WriteNumber("seen", Math.Round(seen, 6));
            w.WriteStartObject("source");
            w.WriteString("name", "Google 'Argon2026h2'");
            w.WriteString("url", "https://ct.googleapis.com/logs/us1/argon2026h2/");
            w.WriteNumber("timestamp", Math.Round(seen - 1.5, 3));
            w.WriteString("type", "rfc6962");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return _buffer.WrittenSpan.ToArray();
    }

    private static string San(string domain, int i) => i == 0 ? domain : i == 1 ? "www." + domain : $"{Words[i % Words.Length]}.{domain}";

    private static void WriteName(Utf8JsonWriter w, string name, string? c, string cn, string? o)
    {
        w.WriteStartObject(name);
        w.WriteString("C", c);
        w.WriteString("CN", cn);
        w.WriteNull("L");
        w.WriteString("O", o);
        w.WriteNull("OU");
        w.WriteNull("ST");
        w.WriteNull("email_address");
        w.WriteString("aggregated", (c is null ? "" : $"/C={c}") + $"/CN={cn}" + (o is null ? "" : $"/O={o}"));
        w.WriteEndObject();
    }

    private string Hex(int bytes, bool lower)
    {
        Span<byte> data = stackalloc byte[bytes];
        _random.NextBytes(data);
        var hex = string.Join(":", data.ToArray().Select(b => b.ToString(lower ? "x2" : "X2")));
        return hex;
    }

    /// <summary>Unix time in seconds with microseconds, the clock both publisher and receivers use.</summary>
    public static double Now() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;
}
