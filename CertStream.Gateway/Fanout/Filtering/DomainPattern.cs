using System.Text;
using CertStream.Contracts.Envelope;

namespace CertStream.Gateway.Fanout.Filtering;

/// <summary>
/// One <c>?match=</c> pattern (README, "Server-side filters"), case-insensitive, Unicode names as punycode:
/// <list type="bullet">
/// <item><c>example.com</c>: that name only;</item>
/// <item><c>*.example.com</c>: any name below it (<c>a.example.com</c>, <c>a.b.example.com</c>, and the
/// certificate name <c>*.example.com</c>), not <c>example.com</c> itself;</item>
/// <item><c>.example.com</c>: <c>example.com</c> and every name below it.</item>
/// </list>
/// </summary>
internal sealed class DomainPattern(byte[] name, bool exact, bool subdomains)
{
    public const int MaxLength = 253;

    /// <summary>The name, normalised (<see cref="DomainNames"/>), without <c>*.</c> or the leading dot.</summary>
    public byte[] Name { get; } = name;

    /// <summary>Matches the name itself.</summary>
    public bool Exact { get; } = exact;

    /// <summary>Matches every name below it.</summary>
    public bool Subdomains { get; } = subdomains;

    public static bool TryParse(string text, out DomainPattern? pattern, out string? error)
    {
        pattern = null;
        var trimmed = text.Trim();
        bool exact = true, subdomains = false;
        var name = trimmed;
        if (name.StartsWith("*.", StringComparison.Ordinal))
        {
            (exact, subdomains, name) = (false, true, name[2..]);
        }
        else if (name.StartsWith('.'))
        {
            (exact, subdomains, name) = (true, true, name[1..]);
        }

        var normal = DomainNames.Normalize(name);
        if (normal.Length == 0 || normal.Length > MaxLength || !IsHostName(normal))
        {
            error = $"invalid match pattern '{trimmed}': use example.com (exact), *.example.com (subdomains) or .example.com (both)";
            return false;
        }

        error = null;
        pattern = new DomainPattern(Encoding.ASCII.GetBytes(normal), exact, subdomains);
        return true;
    }

    /// <summary>Whether one of a message's (normalised) domains matches: the same rule as the <see cref="FilterIndex"/> lookups.</summary>
    public bool Matches(ReadOnlySpan<byte> domain)
    {
        if (domain.SequenceEqual(Name))
        {
            return Exact;
        }

        return Subdomains && domain.Length > Name.Length && domain.EndsWith(Name) && domain[^(Name.Length + 1)] == (byte)'.';
    }

    public override string ToString() => (Exact, Subdomains) switch
    {
        (true, true) => "." + Encoding.ASCII.GetString(Name),
        (false, true) => "*." + Encoding.ASCII.GetString(Name),
        _ => Encoding.ASCII.GetString(Name),
    };

    // Letters, digits, '-' and '_' (seen in real certificates), in non-empty labels.
    private static bool IsHostName(string name)
    {
        var label = 0;
        foreach (var c in name)
        {
            if (c == '.')
            {
                if (label == 0)
                {
                    return false;
                }

                label = 0;
            }
            else if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            {
                label++;
            }
            else
            {
                return false;
            }
        }

        return label > 0;
    }
}
