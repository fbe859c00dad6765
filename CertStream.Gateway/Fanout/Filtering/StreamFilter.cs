using System.Text;
using CertStream.Contracts.Envelope;
using Microsoft.Extensions.Primitives;

namespace CertStream.Gateway.Fanout.Filtering;

/// <summary>
/// What a client asked for beyond its stream (README, "Server-side filters"): <c>match</c> patterns
/// (any of them), <c>issuer</c> substrings (any of them; with <c>match</c>, both must hold),
/// <c>dedup</c> and opt-in <c>events</c>. Parsed once per connection, on every transport, from the
/// query (WebSocket path, SSE URL, the TCP selector line). A client without any of these has no
/// filter and stays on the shared ring, exactly as before.
/// </summary>
internal sealed class StreamFilter
{
    public const int MaxPatterns = 100;
    public const int MaxIssuerLength = 200;

    /// <summary>The event names of <c>?events=</c> and their envelope kinds.</summary>
    public static readonly IReadOnlyDictionary<string, byte> EventNames = new Dictionary<string, byte>(StringComparer.OrdinalIgnoreCase)
    {
        ["log_integrity"] = StreamEnvelope.KindLogIntegrity,
    };

    private StreamFilter(DomainPattern[] patterns, byte[][] issuers, DedupMode dedup, byte[] events)
    {
        Patterns = patterns;
        Issuers = issuers;
        Dedup = dedup;
        Events = events;
    }

    public DomainPattern[] Patterns { get; }

    /// <summary>Lower-cased UTF-8 substrings of the issuer's aggregated name.</summary>
    public byte[][] Issuers { get; }

    public DedupMode Dedup { get; }

    /// <summary>Envelope kinds (other than certificates) the client opted into.</summary>
    public byte[] Events { get; }

    /// <summary>Whether the client sees only some certificates by their content (it can be indexed by name or issuer).</summary>
    public bool IsSelective => Patterns.Length > 0 || Issuers.Length > 0;

    public bool WantsEvent(byte kind) => Array.IndexOf(Events, kind) >= 0;

    /// <summary>The filter as a query (normalised), for the log.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Patterns.Length > 0)
        {
            parts.Add("match=" + string.Join(',', Patterns.Select(p => p.ToString())));
        }

        parts.AddRange(Issuers.Select(i => "issuer=" + Encoding.UTF8.GetString(i)));
        if (Dedup != DedupMode.None)
        {
            parts.Add(Dedup == DedupMode.Joined ? "dedup=joined" : "dedup=1");
        }

        if (Events.Length > 0)
        {
            parts.Add("events=" + string.Join(',', EventNames.Where(e => WantsEvent(e.Value)).Select(e => e.Key)));
        }

        return string.Join('&', parts);
    }

    /// <summary>Whether a certificate message with these envelope flags passes <see cref="Dedup"/>.</summary>
    public bool PassesDedup(byte flags) => Dedup switch
    {
        DedupMode.Certificate => (flags & StreamEnvelope.FlagFirstSeen) != 0,
        DedupMode.Joined => (flags & StreamEnvelope.FlagFirstSeenJoined) != 0,
        _ => true,
    };

    /// <summary>
    /// Whether this client gets the message, decided for one message at a time (a resume from the replay
    /// buffer); the live path decides the same through the <see cref="FilterIndex"/>.
    /// </summary>
    public bool Matches(in StreamEnvelope envelope)
    {
        if (envelope.Kind != StreamEnvelope.KindCertificate)
        {
            return WantsEvent(envelope.Kind);
        }

        if (envelope.IsLegacy && (IsSelective || Dedup != DedupMode.None))
        {
            return false; // no header to decide by: such messages never reach a match, issuer or dedup client
        }

        if (!PassesDedup(envelope.Flags) || !MatchesIssuer(envelope.Issuer))
        {
            return false;
        }

        if (Patterns.Length == 0)
        {
            return true;
        }

        foreach (var domain in envelope.Domains)
        {
            foreach (var pattern in Patterns)
            {
                if (pattern.Matches(domain))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public bool MatchesIssuer(ReadOnlySpan<byte> issuer)
    {
        if (Issuers.Length == 0)
        {
            return true;
        }

        foreach (var needle in Issuers)
        {
            if (issuer.IndexOf(needle) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Reads <c>match</c>, <c>issuer</c>, <c>dedup</c> and <c>events</c> from a query (other parameters
    /// are someone else's). Null filter: none given. False: <paramref name="error"/> says what is wrong.
    /// </summary>
    public static bool TryParse(IEnumerable<KeyValuePair<string, StringValues>> query, out StreamFilter? filter, out string? error)
    {
        filter = null;
        error = null;
        var patterns = new List<DomainPattern>();
        var issuers = new List<byte[]>();
        var events = new List<byte>();
        var dedup = DedupMode.None;
        var any = false;
        foreach (var (key, values) in query)
        {
            switch (key.ToLowerInvariant())
            {
                case "match":
                    any = true;
                    foreach (var part in Split(values))
                    {
                        if (!DomainPattern.TryParse(part, out var pattern, out error))
                        {
                            return false;
                        }

                        if (!patterns.Exists(p => p.ToString() == pattern!.ToString()))
                        {
                            patterns.Add(pattern!);
                        }
                    }

                    if (patterns.Count == 0)
                    {
                        error = "match= is empty: give at least one domain pattern";
                        return false;
                    }

                    if (patterns.Count > MaxPatterns)
                    {
                        error = $"too many match patterns ({patterns.Count}): at most {MaxPatterns}";
                        return false;
                    }

                    break;
                case "issuer":
                    any = true;
                    foreach (var value in values)
                    {
                        var text = value?.Trim() ?? string.Empty;
                        if (text.Length == 0 || text.Length > MaxIssuerLength)
                        {
                            error = $"issuer= must be 1 to {MaxIssuerLength} characters";
                            return false;
                        }

                        issuers.Add(Encoding.UTF8.GetBytes(text.ToLowerInvariant()));
                    }

                    break;
                case "dedup":
                    any = true;
                    switch (values.ToString().Trim().ToLowerInvariant())
                    {
                        case "1" or "true" or "yes" or "exact":
                            dedup = DedupMode.Certificate;
                            break;
                        case "joined" or "join":
                            dedup = DedupMode.Joined;
                            break;
                        case "0" or "false" or "no" or "":
                            dedup = DedupMode.None;
                            break;
                        default:
                            error = $"invalid dedup '{values}': use dedup=1 (each certificate once) or dedup=joined (a precert and its certificate once)";
                            return false;
                    }

                    break;
                case "events":
                    any = true;
                    foreach (var name in Split(values))
                    {
                        if (!EventNames.TryGetValue(name, out var kind))
                        {
                            error = $"unknown event '{name}': known events are {string.Join(", ", EventNames.Keys)}";
                            return false;
                        }

                        if (!events.Contains(kind))
                        {
                            events.Add(kind);
                        }
                    }

                    break;
            }
        }

        if (any && (patterns.Count > 0 || issuers.Count > 0 || dedup != DedupMode.None || events.Count > 0))
        {
            filter = new StreamFilter([.. patterns], [.. issuers], dedup, [.. events]);
        }

        return true;
    }

    private static IEnumerable<string> Split(StringValues values)
    {
        foreach (var value in values)
        {
            foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                yield return part;
            }
        }
    }
}
