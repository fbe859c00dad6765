namespace CertStream.AppHost;

/// <summary>
/// The tunables of the whole system, read from the AppHost's configuration (<c>Parameters__*</c>
/// variables, user secrets or the command line). Only real secrets are Aspire parameters: a
/// published parameter must be given a value by whoever deploys the manifest (aspirate fills a
/// parameter it was not given with a random string, even one with a default), so settings with a
/// working default are plain values, checked here and written into the manifest as they are.
/// </summary>
internal sealed record CertStreamSettings(
    int IngestorReplicas,
    int GatewayReplicas,
    bool Demo,
    string CtLogsUrl,
    string AuthEnabled,
    IResourceBuilder<ParameterResource> AuthTokens)
{
    public const string DefaultLogListUrl = "https://www.gstatic.com/ct/log_list/v3/all_logs_list.json";

    public static CertStreamSettings Read(IDistributedApplicationBuilder builder)
    {
        var authTokens = builder.AddParameter("auth-tokens", "", secret: true)
            .WithDescription("Comma-separated stream tokens (CERTSTREAM_AUTH_TOKENS).");

        return new CertStreamSettings(
            ReadCount(builder, "ingestor-replicas", 2),
            ReadCount(builder, "gateway-replicas", 2),
            bool.TryParse(builder.Configuration["CertStream:Demo"], out var demo) && demo,
            ReadUrl(builder, "ct-logs-url", DefaultLogListUrl),
            ReadBoolean(builder, "auth-enabled", false),
            authTokens);
    }

    private static int ReadCount(IDistributedApplicationBuilder builder, string parameter, int fallback)
    {
        var (key, raw) = Read(builder, parameter);
        if (raw is null)
        {
            return fallback;
        }

        return int.TryParse(raw, out var count) && count is >= 1 and <= 16
            ? count
            : throw new InvalidOperationException($"{key}: '{raw}' must be a whole number from 1 to 16.");
    }

    private static string ReadUrl(IDistributedApplicationBuilder builder, string parameter, string fallback)
    {
        var (key, raw) = Read(builder, parameter);
        if (raw is null)
        {
            return fallback;
        }

        return Uri.TryCreate(raw, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? raw
            : throw new InvalidOperationException($"{key}: '{raw}' must be an absolute http or https URL.");
    }

    // Written as the services read it ("true"/"false"), not as .NET's "True".
    private static string ReadBoolean(IDistributedApplicationBuilder builder, string parameter, bool fallback)
    {
        var (key, raw) = Read(builder, parameter);
        if (raw is null)
        {
            return fallback ? "true" : "false";
        }

        return bool.TryParse(raw, out var value)
            ? value ? "true" : "false"
            : throw new InvalidOperationException($"{key}: '{raw}' must be true or false.");
    }

    private static (string Key, string? Raw) Read(IDistributedApplicationBuilder builder, string parameter)
    {
        var key = $"Parameters:{parameter}";
        return (key, builder.Configuration[key] is { Length: > 0 } raw ? raw.Trim() : null);
    }
}
