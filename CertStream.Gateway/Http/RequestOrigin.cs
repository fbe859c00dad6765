using CertStream.Gateway.Access;

namespace CertStream.Gateway.Http;

/// <summary>
/// The scheme and host the client addressed, for pages that tell it where to connect. Behind a
/// reverse proxy the request's own Host is the proxy's upstream address (YARP sends the gateway's),
/// so <c>X-Forwarded-Host</c> and <c>X-Forwarded-Proto</c> are used when, and only when, the direct
/// peer is one of <c>trusted_proxies</c> (as for <c>X-Forwarded-For</c>): their last entry, the one
/// that peer wrote. A forwarded host that is not a plain host[:port] is ignored.
/// </summary>
/// <remarks>
/// Not ASP.NET Core's ForwardedHeadersMiddleware (which <see cref="ClientAddress"/> uses for
/// X-Forwarded-For): it checks the known proxies only while it walks X-Forwarded-For, so for
/// Host/Proto alone it would believe any peer, and with X-Forwarded-For it takes the entries of
/// the outermost trusted hop rather than those our peer wrote; it also rewrites the request's
/// Host and Scheme for everything after it, where only this page wants them.
/// </remarks>
internal static class RequestOrigin
{
    public static (bool Secure, string Host) Of(HttpContext context)
    {
        var request = context.Request;
        var secure = request.IsHttps;
        var host = request.Host.HasValue ? request.Host.Value! : $"{context.Connection.LocalIpAddress}:{context.Connection.LocalPort}";
        var peer = context.Connection.RemoteIpAddress;
        if (peer is null || !context.RequestServices.GetRequiredService<ClientAddress>().IsTrusted(ClientAddress.Normalize(peer)))
        {
            return (secure, host);
        }

        switch (LastEntry(request.Headers["X-Forwarded-Proto"]))
        {
            case var proto when proto.Equals("https", StringComparison.OrdinalIgnoreCase):
                secure = true;
                break;
            case var proto when proto.Equals("http", StringComparison.OrdinalIgnoreCase):
                secure = false;
                break;
        }

        var forwardedHost = LastEntry(request.Headers["X-Forwarded-Host"]);
        if (IsHostAndPort(forwardedHost))
        {
            host = forwardedHost.ToString();
        }

        return (secure, host);
    }

    private static ReadOnlySpan<char> LastEntry(Microsoft.Extensions.Primitives.StringValues values)
    {
        if (values.Count == 0)
        {
            return [];
        }

        var last = (values[^1] ?? "").AsSpan();
        return last[(last.LastIndexOf(',') + 1)..].Trim();
    }

    // Letters, digits, '.', '-', '_' and, for IPv6 literals and ports, '[', ']', ':'; nothing that could leave the authority.
    private static bool IsHostAndPort(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > 261)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '-' or '_' or '[' or ']' or ':'))
            {
                return false;
            }
        }

        return true;
    }
}
