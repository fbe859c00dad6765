namespace CertStream.CtLogSimulator;

internal static partial class SimulatorLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Simulating {Rfc6962Count} RFC 6962 and {TiledCount} tiled CT logs (initial size {InitialSize}, {EntriesPerSecond} entries/s each); log list at {LogListUrl}")]
    public static partial void LogInformationStarted(this ILogger logger, int rfc6962Count, int tiledCount, long initialSize, double entriesPerSecond, string logListUrl);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Log {LogName} answers with fault {FaultKind} ({Schedule})")]
    public static partial void LogInformationFault(this ILogger logger, string logName, string faultKind, string schedule);
}
