namespace CertStream.ServiceDefaults.Configuration;

/// <summary>
/// The <c>CERTSTREAM_*</c> environment variables of the reference server, each mapped to the
/// configuration key of the same setting in the YAML file (sections joined with <c>:</c>).
/// This table is the single place where the two spellings meet.
/// </summary>
public static class CertStreamEnvironmentVariables
{
    public const string ConfigFile = "CERTSTREAM_CONFIG";

    /// <summary>Variables whose value is a comma-separated list, bound as <c>key:0</c>, <c>key:1</c>, ….</summary>
    public static readonly IReadOnlySet<string> Lists = new HashSet<string>(StringComparer.Ordinal) { "CERTSTREAM_AUTH_TOKENS", "CERTSTREAM_TRUSTED_PROXIES" };

    public static readonly IReadOnlyDictionary<string, string> Keys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["CERTSTREAM_HOST"] = "host",
        ["CERTSTREAM_PORT"] = "port",
        ["CERTSTREAM_LOG_LEVEL"] = "log_level",
        ["CERTSTREAM_BUFFER_SIZE"] = "buffer_size",
        ["CERTSTREAM_CT_LOGS_URL"] = "ct_logs_url",
        ["CERTSTREAM_TLS_CERT"] = "tls_cert",
        ["CERTSTREAM_TLS_KEY"] = "tls_key",
        ["CERTSTREAM_TRUSTED_PROXIES"] = "trusted_proxies",

        ["CERTSTREAM_WS_ENABLED"] = "protocols:websocket",
        ["CERTSTREAM_SSE_ENABLED"] = "protocols:sse",
        ["CERTSTREAM_TCP_ENABLED"] = "protocols:tcp",
        ["CERTSTREAM_TCP_PORT"] = "protocols:tcp_port",

        ["CERTSTREAM_RATE_LIMIT_ENABLED"] = "rate_limit:enabled",
        ["CERTSTREAM_RATE_LIMIT_PER_SECOND"] = "rate_limit:per_second",
        ["CERTSTREAM_RATE_LIMIT_BURST_SIZE"] = "rate_limit:burst_size",

        ["CERTSTREAM_CONNECTION_LIMIT_ENABLED"] = "connection_limit:enabled",
        ["CERTSTREAM_CONNECTION_LIMIT_MAX_CONNECTIONS"] = "connection_limit:max_connections",
        ["CERTSTREAM_CONNECTION_LIMIT_PER_IP_LIMIT"] = "connection_limit:per_ip_limit",

        ["CERTSTREAM_AUTH_ENABLED"] = "auth:enabled",
        ["CERTSTREAM_AUTH_TOKENS"] = "auth:tokens",
        ["CERTSTREAM_AUTH_HEADER_NAME"] = "auth:header_name",
        ["CERTSTREAM_AUTH_PROTECT_METRICS"] = "auth:protect_metrics",

        ["CERTSTREAM_CT_LOG_STATE_FILE"] = "ct_log:state_file",
        ["CERTSTREAM_CT_LOG_RETRY_MAX_ATTEMPTS"] = "ct_log:retry_max_attempts",
        ["CERTSTREAM_CT_LOG_REQUEST_TIMEOUT_SECS"] = "ct_log:request_timeout_secs",
        ["CERTSTREAM_CT_LOG_BATCH_SIZE"] = "ct_log:batch_size",
        ["CERTSTREAM_CT_LOG_POLL_INTERVAL_MS"] = "ct_log:poll_interval_ms",
        ["CERTSTREAM_CT_LOG_CATCHUP_RATE"] = "ct_log:catchup_rate",
        ["CERTSTREAM_CT_LOG_CATCHUP_MAX_AGE_SECS"] = "ct_log:catchup_max_age_secs",

        ["CERTSTREAM_REPLAY_ENABLED"] = "replay:enabled",
        ["CERTSTREAM_REPLAY_MAX_ENTRIES"] = "replay:max_entries",
        ["CERTSTREAM_REPLAY_FULL_MAX_ENTRIES"] = "replay:full_max_entries",
        ["CERTSTREAM_REPLAY_MAX_AGE_SECS"] = "replay:max_age_secs",

        ["CERTSTREAM_INGESTOR_HOST"] = "ingestor:host",
        ["CERTSTREAM_INGESTOR_PORT"] = "ingestor:port",

        ["CERTSTREAM_FEED_ENABLED"] = "feed:enabled",
        ["CERTSTREAM_FEED_QUEUE_CAPACITY"] = "feed:queue_capacity",
        ["CERTSTREAM_FEED_BATCH_SIZE"] = "feed:batch_size",
        ["CERTSTREAM_FEED_PUBLISH_TIMEOUT_SECS"] = "feed:publish_timeout_secs",

        ["CERTSTREAM_VERIFICATION_ENABLED"] = "verification:enabled",
        ["CERTSTREAM_VERIFICATION_ON_FAILURE"] = "verification:on_failure",

        ["CERTSTREAM_DEDUP_WINDOW_SECS"] = "dedup:window_secs",
        ["CERTSTREAM_STATUS_REPORT_INTERVAL_MS"] = "status:report_interval_ms",
        ["CERTSTREAM_CERT_STORE_MAX_CERTIFICATES"] = "cert_store:max_certificates",
        ["CERTSTREAM_CERT_STORE_MAX_AGE_SECS"] = "cert_store:max_age_secs",

        ["CERTSTREAM_HOT_RELOAD_ENABLED"] = "hot_reload:enabled",
        ["CERTSTREAM_HOT_RELOAD_WATCH_PATH"] = "hot_reload:watch_path",
    };
}
