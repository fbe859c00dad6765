namespace CertStream.Contracts;

/// <summary>
/// Every Redis channel and key CertStream uses, in one place so the ingestor (writer) and the
/// gateway (reader) cannot drift apart. All names share the <c>certstream:</c> prefix so an
/// operator can share a Redis with other software.
/// </summary>
public static class RedisNames
{
    public const string Prefix = "certstream:";

    /// <summary>Pub/sub channel that carries the serialized messages of one stream kind.</summary>
    public static string StreamChannel(StreamKind kind) => kind switch
    {
        StreamKind.Full => Prefix + "stream:full",
        StreamKind.Domains => Prefix + "stream:domains",
        _ => Prefix + "stream:lite",
    };

    /// <summary>
    /// Redis stream of one stream kind's recent messages (entry id = the messages' <see cref="StreamCursor"/>,
    /// field <see cref="ReplayPayloadField"/> = the payload as published, before the cursor was added):
    /// what a reconnecting client missed is read from here. Bounded by the ingestors' <c>replay:</c> settings.
    /// </summary>
    public static string ReplayStream(StreamKind kind) => Prefix + "replay:" + StreamKinds.Name(kind);

    /// <summary>Counter of one stream kind's messages: the <see cref="StreamCursor.Sequence"/> of the newest one.</summary>
    public static string ReplaySequence(StreamKind kind) => Prefix + "replay:" + StreamKinds.Name(kind) + ":seq";

    /// <summary>The field of a <see cref="ReplayStream"/> entry that holds the payload.</summary>
    public const string ReplayPayloadField = "m";

    /// <summary>String key holding the newest message of one stream kind (for /example.json).</summary>
    public static string ExampleKey(StreamKind kind) => Prefix + "example:" + StreamKinds.Name(kind);

    /// <summary>Hash with the tree state of one log: next index, largest tree size seen.</summary>
    public static string LogStateKey(string logKey) => Prefix + "log:" + logKey + ":state";

    /// <summary>
    /// Hash with one log's verification state: the last verified tree head (<c>size</c>, <c>root</c> base64, <c>verified_at</c>),
    /// the base of the next consistency check, and once the log failed, <c>failed_check</c>, <c>failed_detail</c>, <c>failed_at</c>.
    /// </summary>
    public static string LogVerificationKey(string logKey) => Prefix + "log:" + logKey + ":verified";

    /// <summary>String key holding the durable feed's cursor of one log: the next index not yet confirmed by RabbitMQ.</summary>
    public static string FeedCursorKey(string logKey) => Prefix + "log:" + logKey + ":feed";

    /// <summary>String key whose value is the id of the ingestor replica that polls the log.</summary>
    public static string LogLeaseKey(string logKey) => Prefix + "log:" + logKey + ":lease";

    /// <summary>Sorted set of live ingestor replicas, scored by their last heartbeat (unix ms).</summary>
    public const string IngestorMembers = Prefix + "ingestors";

    /// <summary>Sorted set of live gateway nodes, scored by when their connection counts expire (unix ms).</summary>
    public const string GatewayNodes = Prefix + "gateway:nodes";

    /// <summary>Prefix and suffix of <see cref="GatewayConnectionsKey"/>, for scripts that build it from a node id.</summary>
    public const string GatewayConnectionsPrefix = Prefix + "gateway:";
    public const string GatewayConnectionsSuffix = ":connections";

    /// <summary>Hash of one gateway node's stream connections: field <c>total</c>, and <c>ip:&lt;address&gt;</c> per client IP.</summary>
    public static string GatewayConnectionsKey(string nodeId) => GatewayConnectionsPrefix + nodeId + GatewayConnectionsSuffix;

    /// <summary>
    /// Dedup marker of one certificate (the first 16 bytes of its leaf SHA-256, hex): set with NX and a TTL by the
    /// first ingestor that publishes it (the envelope's first-seen flag).
    /// </summary>
    public static string DedupCertificateKey(ReadOnlySpan<byte> sha256) => Prefix + "dedup:c:" + Convert.ToHexStringLower(sha256[..16]);

    /// <summary>Dedup marker of one precertificate/final-certificate pair (the first 16 bytes of its join key, hex).</summary>
    public static string DedupJoinKey(ReadOnlySpan<byte> joinKey) => Prefix + "dedup:j:" + Convert.ToHexStringLower(joinKey[..16]);
    /// <summary>Sorted set of ingestor replicas that report their status, scored by when the report expires (unix ms).</summary>
    public const string IngestorStatusSet = Prefix + "status:ingestors";

    /// <summary>String (JSON, <c>Status/StatusReports.cs</c>) with TTL: one ingestor replica's status and that of every log it knows.</summary>
    public static string IngestorStatusKey(string replicaId) => Prefix + "status:ingestor:" + replicaId;

    /// <summary>Sorted set of gateway nodes that report their stats, scored by when the report expires (unix ms).</summary>
    public const string GatewayStatusSet = Prefix + "status:gateways";

    /// <summary>String (JSON) with TTL: one gateway node's stats.</summary>
    public static string GatewayStatusKey(string nodeId) => Prefix + "status:gateway:" + nodeId;

    /// <summary>Sorted set indexing the certificate store: member <c>&lt;sha256&gt;:&lt;sha1&gt;</c> (lower-case hex), scored by when it was stored (unix ms).</summary>
    public const string CertIndex = Prefix + "certs";

    /// <summary>Prefix of <see cref="CertKey"/>, for the script that evicts from the store.</summary>
    public const string CertKeyPrefix = Prefix + "cert:";

    /// <summary>Prefix of <see cref="CertSha1Key"/>.</summary>
    public const string CertSha1KeyPrefix = Prefix + "cert:sha1:";

    /// <summary>String with TTL: the full-stream message (JSON only) of a certificate, by its SHA-256 (64 lower-case hex digits).</summary>
    public static string CertKey(string sha256Hex) => CertKeyPrefix + sha256Hex;

    /// <summary>String with TTL: the SHA-256 (hex) of a stored certificate, by its SHA-1 (40 lower-case hex digits), the certstream <c>fingerprint</c>.</summary>
    public static string CertSha1Key(string sha1Hex) => CertSha1KeyPrefix + sha1Hex;

    /// <summary>Hash field names inside <see cref="LogStateKey"/>.</summary>
    public const string StateNextIndex = "next_index";
    public const string StateTreeSize = "tree_size";
}
