using System.Globalization;
using System.Text.Json;

namespace CertStream.CtLogSimulator.Http;

/// <summary>A Chrome v3 log list (docs/ct-protocols.md §3) naming every simulated log.</summary>
internal static class LogListApi
{
    public static SimResponse Build(SimulatedLogRegistry registry, string baseUrl)
    {
        var now = registry.Time.GetUtcNow();
        var logs = registry.Snapshot();
        var body = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0-sim");
            w.WriteString("log_list_timestamp", Rfc3339(now));
            w.WriteStartArray("operators");
            w.WriteStartObject();
            w.WriteString("name", "CertStream Simulator");
            w.WriteStartArray("email");
            w.WriteStringValue("simulator@certstream.test");
            w.WriteEndArray();
            foreach (var kind in (ReadOnlySpan<SimulatedLogKind>)[SimulatedLogKind.Rfc6962, SimulatedLogKind.Tiled])
            {
                w.WriteStartArray(kind == SimulatedLogKind.Tiled ? "tiled_logs" : "logs");
                foreach (var log in logs)
                {
                    if (log.Kind == kind)
                    {
                        WriteLog(w, log, $"{baseUrl}/logs/{log.Name}/", now);
                    }
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
        return new SimResponse(StatusCodes.Status200OK, SimResponse.Json, body);
    }

    private static void WriteLog(Utf8JsonWriter w, SimulatedLog log, string url, DateTimeOffset now)
    {
        w.WriteStartObject();
        w.WriteString("description", $"CertStream Simulator '{log.Name}'");
        w.WriteBase64String("log_id", log.LogId.Span);
        w.WriteBase64String("key", log.PublicKeySpki.Span);
        if (log.Kind == SimulatedLogKind.Tiled)
        {
            w.WriteString("submission_url", url);
            w.WriteString("monitoring_url", url);
            w.WriteNumber("mmd", 60);
        }
        else
        {
            w.WriteString("url", url);
            w.WriteNumber("mmd", 86400);
        }

        w.WriteStartObject("state");
        var state = log.State;
        w.WriteStartObject(state switch
        {
            SimulatedLogState.Qualified => "qualified",
            SimulatedLogState.ReadOnly => "readonly",
            SimulatedLogState.Retired => "retired",
            SimulatedLogState.Rejected => "rejected",
            SimulatedLogState.Pending => "pending",
            _ => "usable",
        });
        w.WriteString("timestamp", Rfc3339(now.AddDays(-30)));
        if (state == SimulatedLogState.ReadOnly)
        {
            var head = log.SignTreeHead(log.TreeSize, now.ToUnixTimeMilliseconds());
            w.WriteStartObject("final_tree_head");
            w.WriteBase64String("sha256_root_hash", head.RootHash);
            w.WriteNumber("tree_size", head.TreeSize);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndObject();

        // Generated certificates are valid for 90 days from about now: this window holds them all.
        w.WriteStartObject("temporal_interval");
        w.WriteString("start_inclusive", Rfc3339(now.AddYears(-1)));
        w.WriteString("end_exclusive", Rfc3339(now.AddYears(1)));
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static string Rfc3339(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
