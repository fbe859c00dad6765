using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Options;

/// <summary>
/// Section <c>replay:</c>, the ingestor's keys: the bounded replay buffer in Redis, one Redis stream
/// per stream kind, from which a reconnecting client gets what it missed (<c>?since=</c>,
/// <c>Last-Event-ID</c>). Each kind is trimmed to a number of messages and to an age, whichever
/// is reached first; trimming is approximate (Redis trims whole nodes of ~100 entries).
/// </summary>
public sealed class ReplayOptions
{
    public const string Section = "replay";

    /// <summary>Off: plain PUBLISH, messages carry no cursor and clients cannot resume.</summary>
    [ConfigurationKeyName("enabled")] public bool Enabled { get; init; } = true;

    /// <summary>Messages kept for the lite and domains streams (~1.5 KB and ~0.2 KB each: ~35 MB together at the default).</summary>
    [ConfigurationKeyName("max_entries")] public int MaxEntries { get; init; } = 20_000;

    /// <summary>Messages kept for the full stream, whose messages carry the chain (~5-8 KB each: ~30 MB at the default).</summary>
    [ConfigurationKeyName("full_max_entries")] public int FullMaxEntries { get; init; } = 5_000;

    /// <summary>Messages older than this are trimmed whatever their number (0: no age limit).</summary>
    [ConfigurationKeyName("max_age_secs")] public int MaxAgeSecs { get; init; } = 600;
}

public sealed class ReplayOptionsValidator : IValidateOptions<ReplayOptions>
{
    public ValidateOptionsResult Validate(string? name, ReplayOptions o)
    {
        var errors = new List<string>();
        if (o.MaxEntries < 1)
        {
            errors.Add($"replay:max_entries (CERTSTREAM_REPLAY_MAX_ENTRIES): {o.MaxEntries} must be at least 1 (replay:enabled=false turns the buffer off).");
        }

        if (o.FullMaxEntries < 1)
        {
            errors.Add($"replay:full_max_entries (CERTSTREAM_REPLAY_FULL_MAX_ENTRIES): {o.FullMaxEntries} must be at least 1 (replay:enabled=false turns the buffer off).");
        }

        if (o.MaxAgeSecs < 0)
        {
            errors.Add($"replay:max_age_secs (CERTSTREAM_REPLAY_MAX_AGE_SECS): {o.MaxAgeSecs} must be 0 (no age limit) or more.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
