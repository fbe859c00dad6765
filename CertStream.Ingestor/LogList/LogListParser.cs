using System.Globalization;
using System.Text.Json;
using CertStream.Ingestor.Ct;

namespace CertStream.Ingestor.LogList;

/// <summary>
/// Reads a Chrome v3 log list (<c>log_list.json</c> / <c>all_logs_list.json</c>, docs/ct-protocols.md §3) into
/// the logs to follow. Followed: <c>usable</c>, <c>qualified</c>, <c>readonly</c> (with its final tree size)
/// and, by default, <c>pending</c>; from <c>logs[]</c> by <c>url</c> (RFC 6962) and from <c>tiled_logs[]</c>
/// by <c>monitoring_url</c> (static-ct-api). Skipped, with a reason: rejected, retired, test and
/// monitoring-only logs, logs without or with an unknown state, logs whose temporal interval ended before
/// now minus a grace period, bad URLs and duplicates. One odd log never fails the list: unknown fields,
/// operators without <c>logs</c> or <c>tiled_logs</c>, and malformed log objects are tolerated.
/// </summary>
public static class LogListParser
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static LogListResult Parse(ReadOnlySpan<byte> json, DateTimeOffset now) => Parse(json, now, LogListParserOptions.Default);

    /// <summary>Throws <see cref="LogListFormatException"/> when the document is not a log list.</summary>
    public static LogListResult Parse(ReadOnlySpan<byte> json, DateTimeOffset now, LogListParserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (json.StartsWith(Utf8Bom))
        {
            json = json[Utf8Bom.Length..];
        }

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new LogListFormatException($"the log list is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("operators", out var operators) || operators.ValueKind != JsonValueKind.Array)
            {
                throw new LogListFormatException("the log list has no 'operators' array");
            }

            var logs = new List<CtLogInfo>();
            var skipped = new List<SkippedLog>();
            var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var expiredBefore = now - options.ExpiryGrace;
            foreach (var op in operators.EnumerateArray())
            {
                if (op.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                ReadLogs(op, "logs", CtLogKind.Rfc6962, expiredBefore, options, keys, logs, skipped);
                ReadLogs(op, "tiled_logs", CtLogKind.Tiled, expiredBefore, options, keys, logs, skipped);
            }

            return new LogListResult(logs, skipped, StringOrNull(root, "version"), TimeOrNull(root, "log_list_timestamp"));
        }
    }

    private static void ReadLogs(JsonElement op, string property, CtLogKind kind, DateTimeOffset expiredBefore, LogListParserOptions options,
        HashSet<string> keys, List<CtLogInfo> logs, List<SkippedLog> skipped)
    {
        if (!op.TryGetProperty(property, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var log in array.EnumerateArray())
        {
            if (log.ValueKind != JsonValueKind.Object)
            {
                skipped.Add(new SkippedLog("", null, kind, LogSkipReason.Malformed, $"an entry of {property}[] is a JSON {log.ValueKind}"));
                continue;
            }

            var url = StringOrNull(log, kind == CtLogKind.Tiled ? "monitoring_url" : "url");
            var description = StringOrNull(log, "description") ?? url ?? "";
            var skip = Judge(log, url, kind, expiredBefore, options, out var finalTreeSize, out var state);
            if (skip is { } why)
            {
                skipped.Add(new SkippedLog(description, url, kind, why.Reason, why.Detail));
                continue;
            }

            var info = CtLogInfo.Create(description, url!, kind) with
            {
                FinalTreeSize = finalTreeSize, PublicKey = PublicKeyOrNull(log), Operator = StringOrNull(op, "name"), State = state,
            };
            if (!keys.Add(info.Key))
            {
                skipped.Add(new SkippedLog(description, url, kind, LogSkipReason.Duplicate, $"{info.Key} is listed twice"));
                continue;
            }

            logs.Add(info);
        }
    }

    private static (LogSkipReason Reason, string Detail)? Judge(JsonElement log, string? url, CtLogKind kind, DateTimeOffset expiredBefore,
        LogListParserOptions options, out long? finalTreeSize, out string? stateName)
    {
        finalTreeSize = null;
        stateName = null;
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            var field = kind == CtLogKind.Tiled ? "monitoring_url" : "url";
            return (LogSkipReason.InvalidUrl, url is null ? $"no '{field}'" : $"'{field}' {url} is not an absolute http(s) URL");
        }

        switch (StringOrNull(log, "log_type"))
        {
            case null:
                break;
            case "test":
                return (LogSkipReason.TestLog, "log_type test");
            case "monitoring_only":
                return (LogSkipReason.MonitoringOnly, "log_type monitoring_only");
            case var other:
                return (LogSkipReason.UnknownLogType, $"log_type {other}");
        }

        if (!log.TryGetProperty("state", out var state) || state.ValueKind == JsonValueKind.Null)
        {
            return (LogSkipReason.NoState, "no state");
        }

        if (state.ValueKind != JsonValueKind.Object)
        {
            return (LogSkipReason.Malformed, $"state is a JSON {state.ValueKind}");
        }

        // Exactly one key (loglist3.go); its name is the state, its value the details.
        var stateCount = 0;
        JsonProperty only = default;
        foreach (var property in state.EnumerateObject())
        {
            if (stateCount++ == 0)
            {
                only = property;
            }
        }

        if (stateCount != 1)
        {
            return (LogSkipReason.Malformed, $"state has {stateCount} keys, expected exactly one");
        }

        stateName = only.Name;
        switch (only.Name)
        {
            case "usable" or "qualified":
                break;
            case "readonly":
                finalTreeSize = FinalTreeSize(only.Value);
                break;
            case "pending":
                if (!options.FollowPending)
                {
                    return (LogSkipReason.Pending, "state pending");
                }

                break;
            case "retired":
                return (LogSkipReason.Retired, "state retired");
            case "rejected":
                return (LogSkipReason.Rejected, "state rejected");
            default:
                return (LogSkipReason.UnknownState, $"state {only.Name}");
        }

        if (log.TryGetProperty("temporal_interval", out var interval) && interval.ValueKind == JsonValueKind.Object
            && TimeOrNull(interval, "end_exclusive") is { } end && end <= expiredBefore)
        {
            return (LogSkipReason.Expired, $"temporal interval ended {end:O}");
        }

        return null;
    }

    private static long? FinalTreeSize(JsonElement readonlyState) =>
        readonlyState.ValueKind == JsonValueKind.Object
        && readonlyState.TryGetProperty("final_tree_head", out var head) && head.ValueKind == JsonValueKind.Object
        && head.TryGetProperty("tree_size", out var size) && size.ValueKind == JsonValueKind.Number
        && size.TryGetInt64(out var value) && value >= 0
            ? value
            : null;

    /// <summary>The base64 DER SubjectPublicKeyInfo in <c>key</c>, kept for verification (Verification/); null when absent or not base64.</summary>
    private static byte[]? PublicKeyOrNull(JsonElement log)
    {
        if (StringOrNull(log, "key") is not { Length: > 0 } text)
        {
            return null;
        }

        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var written) ? bytes[..written] : null;
    }

    private static string? StringOrNull(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? TimeOrNull(JsonElement element, string property) =>
        StringOrNull(element, property) is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;
}
