using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Options;

/// <summary>Reports every invalid <c>auth:</c> setting at once (at startup, and for each hot reload).</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions o)
    {
        var errors = new List<string>();
        if (o.Enabled && o.Tokens.Count == 0)
        {
            errors.Add("auth:tokens (CERTSTREAM_AUTH_TOKENS): auth:enabled is true but no token is configured.");
        }

        for (var i = 0; i < o.Tokens.Count; i++)
        {
            // Never the token itself in an error: it ends up in logs.
            var token = o.Tokens[i];
            if (string.IsNullOrWhiteSpace(token) || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                errors.Add($"auth:tokens:{i}: a token must be non-empty and contain no whitespace or control characters.");
            }
        }

        if (string.IsNullOrWhiteSpace(o.HeaderName) || o.HeaderName.Any(c => c <= ' ' || c == ':' || c >= 127))
        {
            errors.Add($"auth:header_name (CERTSTREAM_AUTH_HEADER_NAME): '{o.HeaderName}' is not an HTTP header name.");
        }

        if (o.TcpTimeoutMs <= 0)
        {
            errors.Add($"auth:tcp_timeout_ms: {o.TcpTimeoutMs} must be greater than 0.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
