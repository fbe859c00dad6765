using Microsoft.Extensions.Configuration;

namespace CertStream.ServiceDefaults.Configuration;

/// <summary>Section <c>hot_reload:</c>: apply config file changes (tokens, limits, custom logs) without restart.</summary>
public sealed class HotReloadOptions
{
    public const string Section = "hot_reload";

    [ConfigurationKeyName("enabled")] public bool Enabled { get; init; }

    /// <summary>The file to watch; default: the config file found by the search order.</summary>
    [ConfigurationKeyName("watch_path")] public string? WatchPath { get; init; }
}
