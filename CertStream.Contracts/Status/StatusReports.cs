using System.Text.Json;
using System.Text.Json.Serialization;

namespace CertStream.Contracts.Status;

/// <summary>
/// What each ingestor replica writes to <see cref="RedisNames.IngestorStatusKey"/> every report
/// interval, and the gateway reads for <c>/api/logs</c> and <c>/api/stats</c>. One JSON string per
/// replica (not a hash per log): one GET reads a consistent picture, and the TTL drops a dead
/// replica's report whole.
/// </summary>
public sealed record IngestorStatusReport
{
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>Unix seconds when the replica started.</summary>
    [JsonPropertyName("started")] public double Started { get; init; }

    /// <summary>Unix seconds when this report was written.</summary>
    [JsonPropertyName("updated")] public double Updated { get; init; }

    /// <summary>Certificates published per second over the last report interval, all its logs together.</summary>
    [JsonPropertyName("certificates_per_second")] public double CertificatesPerSecond { get; init; }

    /// <summary>Certificates published since the replica started.</summary>
    [JsonPropertyName("published")] public long Published { get; init; }

    [JsonPropertyName("logs_followed")] public int LogsFollowed { get; init; }

    /// <summary>Every log of the replica's log list; those it follows carry their live numbers.</summary>
    [JsonPropertyName("logs")] public IReadOnlyList<LogStatusReport> Logs { get; init; } = [];
}

/// <summary>One log as one replica sees it. The numbers are null when the replica does not follow the log.</summary>
public sealed record LogStatusReport
{
    /// <summary>The log's key (its URL without scheme and trailing slash), as in metrics and Redis keys.</summary>
    [JsonPropertyName("key")] public required string Key { get; init; }

    [JsonPropertyName("name")] public string? Name { get; init; }

    [JsonPropertyName("url")] public string? Url { get; init; }

    /// <summary><c>rfc6962</c> or <c>tiled</c>.</summary>
    [JsonPropertyName("type")] public string? Type { get; init; }

    [JsonPropertyName("operator")] public string? Operator { get; init; }

    /// <summary>The log list's state (<c>usable</c>, <c>qualified</c>, <c>readonly</c>, <c>pending</c>) or <c>custom</c>.</summary>
    [JsonPropertyName("state")] public string? State { get; init; }

    /// <summary>The replica that holds the log's lease (set by the reader from the report that follows it), null when none does.</summary>
    [JsonPropertyName("ingestor")] public string? Ingestor { get; init; }

    [JsonPropertyName("following")] public bool Following { get; init; }

    [JsonPropertyName("tree_size")] public long? TreeSize { get; init; }

    /// <summary>The cursor: every entry below it was published.</summary>
    [JsonPropertyName("next_index")] public long? NextIndex { get; init; }

    [JsonPropertyName("lag")] public long? Lag { get; init; }

    [JsonPropertyName("published")] public long? Published { get; init; }

    [JsonPropertyName("certificates_per_second")] public double? CertificatesPerSecond { get; init; }

    [JsonPropertyName("decode_failures")] public long? DecodeFailures { get; init; }

    [JsonPropertyName("request_errors")] public long? RequestErrors { get; init; }

    /// <summary><c>healthy</c>, <c>degraded</c> or <c>open</c>.</summary>
    [JsonPropertyName("circuit")] public string? Circuit { get; init; }

    /// <summary>The first verification check the log failed, null while it passes.</summary>
    [JsonPropertyName("integrity_failure")] public string? IntegrityFailure { get; init; }
}

/// <summary>What each gateway node writes to <see cref="RedisNames.GatewayStatusKey"/> every report interval.</summary>
public sealed record GatewayStatusReport
{
    /// <summary>The node's unique id (host, pid and a random part), as in the connection counts.</summary>
    [JsonPropertyName("node")] public required string Node { get; init; }

    /// <summary>The node's name as in the <c>X-CertStream-Node</c> header (Aspire resource or pod host name).</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }

    [JsonPropertyName("started")] public double Started { get; init; }

    [JsonPropertyName("updated")] public double Updated { get; init; }

    [JsonPropertyName("uptime_secs")] public double UptimeSecs { get; init; }

    [JsonPropertyName("clients")] public long Clients { get; init; }

    /// <summary>Connected clients by stream (<c>lite</c>, <c>full</c>, <c>domains</c>), then by protocol (<c>websocket</c>, <c>sse</c>, <c>tcp</c>).</summary>
    [JsonPropertyName("clients_by_stream")] public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> ClientsByStream { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, long>>();

    /// <summary>Messages received from Redis per second over the last interval, by stream (0 for a stream without clients: not subscribed).</summary>
    [JsonPropertyName("received_per_second")] public IReadOnlyDictionary<string, double> ReceivedPerSecond { get; init; } = new Dictionary<string, double>();

    /// <summary>Messages written to clients since the node started.</summary>
    [JsonPropertyName("sent")] public long Sent { get; init; }

    /// <summary>Messages slow clients lost since the node started.</summary>
    [JsonPropertyName("dropped")] public long Dropped { get; init; }
}

/// <summary>
/// The one JSON contract both writers and readers of the reports use. Source-generated: no
/// reflection at run time, so a gateway compiled ahead of time (Native AOT) reads them too.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never, WriteIndented = false)]
[JsonSerializable(typeof(IngestorStatusReport))]
[JsonSerializable(typeof(GatewayStatusReport))]
public sealed partial class StatusJson : JsonSerializerContext;
