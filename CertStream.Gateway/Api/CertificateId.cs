namespace CertStream.Gateway.Api;

/// <summary>
/// A certificate hash as <c>/api/cert/{id}</c> accepts it: SHA-256 (64 hex digits) or SHA-1 (40, the
/// certstream <c>fingerprint</c>), any case, with or without <c>:</c> between bytes. Normalized to lower-case hex.
/// </summary>
internal readonly record struct CertificateId(string Hex, bool IsSha256)
{
    public static bool TryParse(string? text, out CertificateId id)
    {
        id = default;
        if (string.IsNullOrEmpty(text) || text.Length > 95)
        {
            return false;
        }

        Span<char> hex = stackalloc char[64];
        var n = 0;
        foreach (var c in text)
        {
            if (c == ':')
            {
                continue;
            }

            if (!char.IsAsciiHexDigit(c) || n == hex.Length)
            {
                return false;
            }

            hex[n++] = char.ToLowerInvariant(c);
        }

        if (n != 64 && n != 40)
        {
            return false;
        }

        id = new CertificateId(new string(hex[..n]), n == 64);
        return true;
    }
}
