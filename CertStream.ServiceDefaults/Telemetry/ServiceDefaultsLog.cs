using Microsoft.Extensions.Logging;

namespace CertStream.ServiceDefaults.Telemetry;

/// <summary>
/// The shared mechanisms' log messages (event ids 100-999, docs/engineering.md section 5). Names
/// say what happened, subject first: <c>RedisConnectionLost</c>, <c>ConfigReloaded</c>.
/// </summary>
internal static partial class ServiceDefaultsLog
{
    [LoggerMessage(300, LogLevel.Warning, "Redis {Endpoint} unreachable for {Seconds:0} s ({Failure}); retrying, readiness is 503 until it is back")]
    public static partial void RedisConnectionLost(ILogger logger, string endpoint, double seconds, string failure);

    [LoggerMessage(301, LogLevel.Information, "Redis {Endpoint} reachable again after {Seconds:0} s")]
    public static partial void RedisConnectionRestored(ILogger logger, string endpoint, double seconds);

    [LoggerMessage(900, LogLevel.Information, "Hot reload: watching {Path}")]
    public static partial void ConfigWatched(ILogger logger, string path);

    [LoggerMessage(901, LogLevel.Information, "Hot reload: {Path} changed; applying")]
    public static partial void ConfigReloaded(ILogger logger, string path);

    [LoggerMessage(902, LogLevel.Error, "Hot reload: {Path} could not be loaded, the last good configuration stays in force: {Error}")]
    public static partial void ConfigReloadFailed(ILogger logger, string path, string error);

    [LoggerMessage(903, LogLevel.Error, "Hot reload: new {Options} rejected, the last good configuration stays in force: {Failures}")]
    public static partial void ConfigRejected(ILogger logger, string options, string failures);
}
