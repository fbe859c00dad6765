using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Options;

/// <summary>Top-level <c>ct_logs_url</c> and <c>custom_logs:</c>: which logs the ingestors follow.</summary>
public sealed class LogListOptions
{
    public const string DefaultUrl = "https://www.gstatic.com/ct/log_list/v3/all_logs_list.json";

    [ConfigurationKeyName("ct_logs_url")] public string LogsUrl { get; init; } = DefaultUrl;

    [ConfigurationKeyName("custom_logs")] public List<CustomLogOptions> CustomLogs { get; init; } = [];
}

/// <summary>One entry of <c>custom_logs:</c>; <c>type: tiled</c> for a static-ct-api log.</summary>
public sealed class CustomLogOptions
{
    [ConfigurationKeyName("name")] public string Name { get; init; } = "";
    [ConfigurationKeyName("url")] public string Url { get; init; } = "";
    [ConfigurationKeyName("type")] public string? Type { get; init; }
    /// <summary>The log's public key, base64 DER SubjectPublicKeyInfo as in the log list's <c>key</c>: needed to verify it.</summary>
    [ConfigurationKeyName("key")] public string? Key { get; init; }

    public bool IsTiled => string.Equals(Type, "tiled", StringComparison.OrdinalIgnoreCase)
        || string.Equals(Type, "static", StringComparison.OrdinalIgnoreCase);
}

public sealed class LogListOptionsValidator : IValidateOptions<LogListOptions>
{
    public ValidateOptionsResult Validate(string? name, LogListOptions o)
    {
        var errors = new List<string>();
        if (!Uri.TryCreate(o.LogsUrl, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https" && uri.Scheme != "file"))
        {
            errors.Add($"ct_logs_url (CERTSTREAM_CT_LOGS_URL): '{o.LogsUrl}' is not an http(s) or file URL.");
        }

        for (var i = 0; i < o.CustomLogs.Count; i++)
        {
            var log = o.CustomLogs[i];
            if (!Uri.TryCreate(log.Url, UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https"))
            {
                errors.Add($"custom_logs:{i}:url: '{log.Url}' is not an http(s) URL.");
            }

            if (log.Key is { Length: > 0 } key)
            {
                if (Verification.LogKey.TryCreate(DecodeOrEmpty(key), out var parsed))
                {
                    parsed!.Dispose();
                }
                else
                {
                    errors.Add($"custom_logs:{i}:key: not the base64 of an ECDSA P-256 or RSA SubjectPublicKeyInfo.");
                }
            }

            if (log.Type is not null && !log.IsTiled && !string.Equals(log.Type, "rfc6962", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"custom_logs:{i}:type: '{log.Type}' is not rfc6962 or tiled.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static byte[] DecodeOrEmpty(string base64)
    {
        var bytes = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, bytes, out var written) ? bytes[..written] : [];
    }
}
