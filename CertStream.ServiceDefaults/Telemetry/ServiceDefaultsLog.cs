using Microsoft.Extensions.Logging;

namespace CertStream.ServiceDefaults.Telemetry;

/// <summary>The shared mechanism's log messages (EventIds 3300-3399).</summary>
internal static partial class ServiceDefaultsLog
{
    [LoggerMessage(300, LogLevel.Warning, "Redis {Endpoint} unreachable for {Seconds:0} s ({Failure}); retrying, readiness is 503 until it is back")]
    public static partial void RedisUnreachable(ILogger logger, string endpoint, double seconds, string failure);

    [LoggerMessage(301, LogLevel.Information, "Redis {Endpoint} reachable again after {Seconds:0} s")]
    public static partial void RedisReachableAgain(ILogger logger, string endpoint, double seconds);
}
