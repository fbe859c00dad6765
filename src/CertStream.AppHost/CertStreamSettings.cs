namespace CertStream.AppHost;

/// <summary>
/// The tunables of the whole system, as AppHost parameters (dashboard, user secrets,
/// <c>Parameters__*</c> variables or the command line) so nothing is a literal in the model.
/// Replica counts shape the model itself, so they are read when it is built.
/// </summary>
internal sealed record CertStreamSettings(
    int IngestorReplicas,
    int GatewayReplicas,
    bool Demo,
    IResourceBuilder<ParameterResource> CtLogsUrl,
    IResourceBuilder<ParameterResource> AuthEnabled,
    IResourceBuilder<ParameterResource> AuthTokens)
{
    public const string DefaultLogListUrl = "https://www.gstatic.com/ct/log_list/v3/all_logs_list.json";

    public static CertStreamSettings Read(IDistributedApplicationBuilder builder)
    {
        var ctLogsUrl = builder.AddParameter("ct-logs-url", DefaultLogListUrl, publishValueAsDefault: true)
            .WithDescription("The v3 CT log list the ingestors follow (CERTSTREAM_CT_LOGS_URL).");
        var authEnabled = builder.AddParameter("auth-enabled", "false", publishValueAsDefault: true)
            .WithDescription("Require a token on every stream (CERTSTREAM_AUTH_ENABLED).");
        var authTokens = builder.AddParameter("auth-tokens", "", secret: true)
            .WithDescription("Comma-separated stream tokens (CERTSTREAM_AUTH_TOKENS).");

        return new CertStreamSettings(
            ReadCount(builder, "ingestor-replicas", 2),
            ReadCount(builder, "gateway-replicas", 2),
            bool.TryParse(builder.Configuration["CertStream:Demo"], out var demo) && demo,
            ctLogsUrl,
            authEnabled,
            authTokens);
    }

    private static int ReadCount(IDistributedApplicationBuilder builder, string parameter, int fallback)
    {
        var key = $"Parameters:{parameter}";
        var raw = builder.Configuration[key];
        if (raw is null)
        {
            return fallback;
        }

        return int.TryParse(raw, out var count) && count is >= 1 and <= 16
            ? count
            : throw new InvalidOperationException($"{key}: '{raw}' must be a whole number from 1 to 16.");
    }
}
