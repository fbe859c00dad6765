using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Options;
using CertStream.Gateway.Telemetry;
using CertStream.ServiceDefaults.Configuration;

namespace CertStream.Gateway.Access;

/// <summary>
/// Checks a presented token against <c>auth:tokens</c> and follows hot reloads: when a token
/// disappears from the configuration, the connections that presented it are closed (WebSocket
/// 1008 "token revoked"). Tokens are compared as SHA-256 digests of their UTF-8 bytes with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, against every configured token without
/// an early exit: neither the content nor the length of a token shows in the timing. A
/// connection keeps only the digest of its token, and no token is ever logged.
/// </summary>
internal sealed class TokenAuthenticator : IDisposable
{
    private const int MaxTokenBytes = 1024;

    private readonly ReloadableOptions<AuthOptions> _options;
    private readonly StreamHub _hub;
    private readonly ILogger<TokenAuthenticator> _logger;
    private volatile Snapshot _current;

    public TokenAuthenticator(ReloadableOptions<AuthOptions> options, StreamHub hub, ILogger<TokenAuthenticator> logger)
    {
        _options = options;
        _hub = hub;
        _logger = logger;
        _current = new Snapshot(options.Current);
        options.Changed += OnChanged;
    }

    public AuthOptions Options => _current.Options;

    public bool Enabled => _current.Options.Enabled;

    /// <summary>The digest of the configured token equal to <paramref name="token"/>, or null.</summary>
    public byte[]? Match(ReadOnlySpan<char> token)
    {
        if (token.IsEmpty || Encoding.UTF8.GetMaxByteCount(token.Length) > MaxTokenBytes * 4)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(token.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(token, buffer);
            return Match(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>The digest of the configured token whose UTF-8 bytes are <paramref name="token"/>, or null.</summary>
    public byte[]? Match(ReadOnlySpan<byte> token)
    {
        if (token.IsEmpty || token.Length > MaxTokenBytes)
        {
            return null;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(token, digest);
        return _current.Find(digest);
    }

    /// <summary>
    /// The token an HTTP request presents: the configured header (<c>Bearer &lt;token&gt;</c> or
    /// the bare token), else <c>?token=</c>. Null when there is none or it is not configured.
    /// </summary>
    public byte[]? Authenticate(HttpRequest request)
    {
        var options = _current.Options;
        foreach (var value in request.Headers[options.HeaderName])
        {
            var token = value.AsSpan().Trim();
            if (token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                token = token["Bearer ".Length..].Trim();
            }

            if (Match(token) is { } digest)
            {
                return digest;
            }
        }

        foreach (var value in request.Query["token"])
        {
            if (Match(value.AsSpan()) is { } digest)
            {
                return digest;
            }
        }

        return null;
    }

    public void Dispose() => _options.Changed -= OnChanged;

    private void OnChanged(AuthOptions previous, AuthOptions current)
    {
        var snapshot = new Snapshot(current);
        _current = snapshot;
        if (!current.Enabled)
        {
            return; // nothing is required any more: nobody is closed
        }

        var closed = 0;
        foreach (var client in _hub.AllClients())
        {
            // Clients admitted while auth was off hold no token: they are closed too, since one is now required.
            if (client.TokenDigest is not { } digest || snapshot.Find(digest) is null)
            {
                client.RequestClose(DisconnectReason.TokenRevoked);
                closed++;
            }
        }

        GatewayLog.TokensChanged(_logger, current.Tokens.Count, closed);
    }

    private sealed class Snapshot
    {
        private readonly byte[][] _digests;

        public Snapshot(AuthOptions options)
        {
            Options = options;
            _digests = [.. options.Tokens.Select(t => SHA256.HashData(Encoding.UTF8.GetBytes(t)))];
        }

        public AuthOptions Options { get; }

        public byte[]? Find(ReadOnlySpan<byte> digest)
        {
            byte[]? found = null;
            foreach (var candidate in _digests)
            {
                // No early exit: the time does not depend on which token (if any) matched.
                if (CryptographicOperations.FixedTimeEquals(candidate, digest))
                {
                    found = candidate;
                }
            }

            return found;
        }
    }
}
