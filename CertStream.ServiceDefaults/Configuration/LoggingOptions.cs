using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CertStream.ServiceDefaults.Configuration;

/// <summary>Top-level <c>log_level</c>: every service's verbosity, applied and validated by the shared configuration mechanism.</summary>
public sealed class LoggingOptions
{
    public const string LogLevelKey = "log_level";

    [ConfigurationKeyName(LogLevelKey)] public string LogLevel { get; init; } = "info";

    public static bool TryParseLogLevel(string? value, out LogLevel level)
    {
        level = (value ?? "").Trim().ToLowerInvariant() switch
        {
            "trace" => Microsoft.Extensions.Logging.LogLevel.Trace,
            "debug" => Microsoft.Extensions.Logging.LogLevel.Debug,
            "info" or "information" => Microsoft.Extensions.Logging.LogLevel.Information,
            "warn" or "warning" => Microsoft.Extensions.Logging.LogLevel.Warning,
            "error" => Microsoft.Extensions.Logging.LogLevel.Error,
            _ => Microsoft.Extensions.Logging.LogLevel.None,
        };
        return level != Microsoft.Extensions.Logging.LogLevel.None;
    }
}

public sealed class LoggingOptionsValidator : IValidateOptions<LoggingOptions>
{
    public ValidateOptionsResult Validate(string? name, LoggingOptions o) =>
        LoggingOptions.TryParseLogLevel(o.LogLevel, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"log_level (CERTSTREAM_LOG_LEVEL): '{o.LogLevel}' is not one of trace, debug, info, warn, error.");
}
