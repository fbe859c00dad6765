namespace CertStream.Feed.Contracts;

/// <summary>
/// A followed log's health moved between states (its circuit: <c>healthy</c>, <c>degraded</c>,
/// <c>open</c>). Informational: published once, without the feed's at-least-once guarantee.
/// Versioned as <see cref="CertificateLogged"/>.
/// </summary>
public sealed record LogHealthChanged
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    public string LogUrl { get; init; } = "";

    public string LogName { get; init; } = "";

    /// <summary>The state before: <c>healthy</c>, <c>degraded</c> or <c>open</c>.</summary>
    public string Previous { get; init; } = "";

    /// <summary>The state now.</summary>
    public string Current { get; init; } = "";

    public DateTimeOffset ChangedAt { get; init; }
}
