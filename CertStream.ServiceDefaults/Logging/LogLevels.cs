using CertStream.ServiceDefaults.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace CertStream.ServiceDefaults.Logging;

/// <summary>
/// What <c>log_level</c> turns on. At <c>info</c> (the default), <c>warn</c> and <c>error</c>, the
/// services' own categories (<c>CertStream.*</c>) and the host's start/stop lines are at that
/// level, and every framework and library category (ASP.NET Core, HttpClient, Polly, YARP, …) at
/// Warning or above: their Information lines are one or more per HTTP request or connection,
/// gigabytes a day at the real log list. StackExchange.Redis logs each failed reconnect as an error
/// with a stack trace, and the health check service an error per probe while a check fails; both
/// are off unless debugging (<see cref="CertStream.ServiceDefaults.Redis.RedisAvailabilityMonitor"/>
/// reports an outage in one line per interval, <c>/health?detail=1</c> says why a check fails).
/// Until the host has started, its own "Hosting failed to start" error is held back
/// (<see cref="StartupPhase"/>). At <c>debug</c> and <c>trace</c> everything is at that level,
/// HTTP requests included. <c>Logging:LogLevel:&lt;category&gt;</c> still sets a single category.
/// </summary>
public static class LogLevels
{
    /// <summary>The services' own categories: their namespaces.</summary>
    public const string OwnCategories = "CertStream";

    /// <summary>The host's "Now listening on", "Application started", shutdown lines: a handful per run.</summary>
    public const string HostLifetime = "Microsoft.Hosting.Lifetime";

    public const string Redis = "StackExchange.Redis";

    /// <summary>Logs an error per probe while a check is unhealthy; /health?detail=1 says why.</summary>
    public const string HealthChecks = "Microsoft.Extensions.Diagnostics.HealthChecks";

    /// <summary>The level of framework and library categories at <paramref name="level"/>.</summary>
    public static LogLevel Framework(LogLevel level) => level < LogLevel.Information ? level : (LogLevel)Math.Max((int)level, (int)LogLevel.Warning);

    public static ILoggingBuilder ApplyCertStreamLevels(this ILoggingBuilder logging, LogLevel level)
    {
        // Rules with a category beat the default whatever their order; these come after the
        // Logging configuration section's, so they win over its Default but not over a category it names.
        logging.SetMinimumLevel(level);
        logging.AddFilter(category: null, Framework(level));
        logging.AddFilter(OwnCategories, level);
        logging.AddFilter(HostLifetime, level);
        logging.AddFilter(Redis, level < LogLevel.Information ? level : LogLevel.None);
        logging.AddFilter(HealthChecks, level < LogLevel.Information ? level : LogLevel.Critical);

        // The host logs a failed start with its stack trace; whoever started it reports the failure.
        var phase = new StartupPhase();
        logging.Services.AddSingleton(phase);
        logging.Services.AddHostedService<StartupPhase.Tracker>();
        var framework = Framework(level);
        logging.AddFilter(StartupPhase.HostCategory, l => l >= framework && (phase.Started || l < LogLevel.Error));

        // One line per entry, with a UTC timestamp: what log shippers and grep expect. Without a
        // formatter name the console logger rebuilds the simple formatter's options from its own
        // legacy ones, dropping SingleLine; Logging:Console:FormatterName (json, systemd) still wins.
        logging.Services.Configure<ConsoleLoggerOptions>(console => console.FormatterName ??= ConsoleFormatterNames.Simple);
        logging.Services.Configure<SimpleConsoleFormatterOptions>(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        return logging;
    }
}
