using System.Text.Json;
using System.Text.Json.Serialization;
using CertStream.Contracts.Status;

namespace CertStream.Gateway.Api;

// The bodies of /api/logs, /api/stats and the API's errors (README, "Status and lookup API"), and
// their source-generated serialization: no reflection at run time (the gateway can be compiled
// ahead of time). Property names are the wire names.

/// <summary><c>/api/logs</c>: every log as the ingestors see it, merged.</summary>
internal sealed record LogsResponse(
    [property: JsonPropertyName("redis")] bool Redis,
    [property: JsonPropertyName("ingestors")] int Ingestors,
    [property: JsonPropertyName("logs")] List<LogStatusReport> Logs);

/// <summary><c>/api/stats</c>: this node, the cluster's totals, every gateway and ingestor.</summary>
internal sealed record StatsResponse(
    [property: JsonPropertyName("redis")] bool Redis,
    [property: JsonPropertyName("node")] GatewayStatusReport Node,
    [property: JsonPropertyName("cluster")] ClusterStats Cluster,
    [property: JsonPropertyName("gateways")] List<GatewayStatusReport> Gateways,
    [property: JsonPropertyName("ingestors")] List<IngestorSummary> Ingestors);

internal sealed record ClusterStats(
    [property: JsonPropertyName("gateways")] int Gateways,
    [property: JsonPropertyName("ingestors")] int Ingestors,
    [property: JsonPropertyName("uptime_secs")] double UptimeSecs,
    [property: JsonPropertyName("certificates_per_second")] double CertificatesPerSecond,
    [property: JsonPropertyName("published")] long Published,
    [property: JsonPropertyName("clients")] long Clients,
    [property: JsonPropertyName("clients_by_stream")] Dictionary<string, Dictionary<string, long>> ClientsByStream,
    [property: JsonPropertyName("sent")] long Sent,
    [property: JsonPropertyName("dropped")] long Dropped);

/// <summary>An ingestor in <c>/api/stats</c>: its report without the per-log part.</summary>
internal sealed record IngestorSummary(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("started")] double Started,
    [property: JsonPropertyName("updated")] double Updated,
    [property: JsonPropertyName("uptime_secs")] double UptimeSecs,
    [property: JsonPropertyName("certificates_per_second")] double CertificatesPerSecond,
    [property: JsonPropertyName("published")] long Published,
    [property: JsonPropertyName("logs_followed")] int LogsFollowed);

/// <summary>A refused or failed API request.</summary>
internal sealed record ApiError([property: JsonPropertyName("error")] string Error);

/// <summary>The live page's settings, written into its script.</summary>
internal sealed record LivePageConfig(
    [property: JsonPropertyName("websocket")] bool WebSocket,
    [property: JsonPropertyName("sse")] bool Sse,
    [property: JsonPropertyName("tcp")] bool Tcp,
    [property: JsonPropertyName("tcp_port")] int TcpPort);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never, WriteIndented = false)]
[JsonSerializable(typeof(LogsResponse))]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(LivePageConfig))]
internal sealed partial class ApiJson : JsonSerializerContext;
