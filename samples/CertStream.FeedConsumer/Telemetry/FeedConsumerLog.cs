namespace CertStream.FeedConsumer.Telemetry;

/// <summary>Every log message of the sample consumer (event ids 5000-5099).</summary>
internal static partial class FeedConsumerLog
{
    [LoggerMessage(5000, LogLevel.Information, "{Queue}: {Messages} messages, {Distinct} certificates, {Duplicates} redelivered, {Matches} matches")]
    public static partial void Statistics(ILogger logger, string queue, long messages, long distinct, long duplicates, long matches);

    [LoggerMessage(5001, LogLevel.Information, "Match: {Domain} in {Log} #{Index}, issued by {Issuer}")]
    public static partial void Match(ILogger logger, string domain, string log, long index, string issuer);

    [LoggerMessage(5002, LogLevel.Information, "CT log {Log}: {Previous} -> {Current}")]
    public static partial void HealthChanged(ILogger logger, string log, string previous, string current);
}
