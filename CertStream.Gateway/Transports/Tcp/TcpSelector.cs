using CertStream.Contracts;
using System.Text;

namespace CertStream.Gateway.Transports.Tcp;

/// <summary>
/// What a raw TCP client's first bytes are. One selector byte (<see cref="StreamNames.FromSelector"/>:
/// <c>f</c>/<c>F</c> full, <c>d</c>/<c>D</c> domains, <c>l</c>/<c>L</c> or any other byte lite;
/// docs/wire-format.md: <c>echo | nc host 8081</c> and clients sending nothing get the default stream). An HTTP request
/// (someone pointed a browser or curl at the wrong port) is not a selector: it gets a 400 response
/// naming the mistake instead of a stream of JSON lines that no HTTP client can show.
/// </summary>
internal static class TcpSelector
{
    /// <summary>Bytes read for the selector: enough for the longest request-line start recognised.</summary>
    public const int ReadSize = 16;

    private static readonly string[] HttpStarts = ["GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ", "PRI * HTTP/2"];

    private static readonly byte[][] HttpStartBytes = [.. HttpStarts.Select(Encoding.ASCII.GetBytes)];

    /// <summary>The 400 response (with <c>Connection: close</c>) an HTTP request gets.</summary>
    public static readonly string HttpResponse = Response(
        "This is the CertStream raw TCP port: newline-delimited JSON, not HTTP.\n" +
        "Connect with a TCP client (e.g. nc) and send f (full), d (domains) or l (lite) first;\n" +
        "for WebSocket, SSE and the HTTP endpoints use the HTTP port.\n");

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the first bytes (returned as First: the selector
    /// line's start, see <see cref="TcpSelectorLine"/>). Null kind: the client closed, or (Http) sent
    /// an HTTP request. On timeout the stream is lite and the read is not cancelled (that may break
    /// the connection): it is handed on as Pending instead.
    /// </summary>
    public static async Task<(StreamKind? Kind, Task<int>? Pending, bool Http, byte[]? First)> ReadAsync(Stream stream, TimeSpan timeout, TimeProvider time, CancellationToken stoppingToken)
    {
        var buffer = new byte[ReadSize];
        var receive = stream.ReadAsync(buffer, 0, buffer.Length, CancellationToken.None);
        try
        {
            await receive.WaitAsync(timeout, time, stoppingToken);
        }
        catch (TimeoutException)
        {
            return (StreamKind.Lite, receive, false, null);
        }

        var read = await receive;
        if (read == 0)
        {
            return (null, null, false, null);
        }

        return IsHttpRequest(buffer.AsSpan(0, read)) ? (null, null, true, null) : (StreamNames.FromSelector(buffer[0]), null, false, buffer[..read]);
    }

    /// <summary>
    /// Whether the first read starts like an HTTP request line. HTTP clients send the request line
    /// in one write, so its start is in the first read; a single byte (<c>D</c>, <c>G</c>, ...) is a selector.
    /// </summary>
    public static bool IsHttpRequest(ReadOnlySpan<byte> first)
    {
        foreach (var start in HttpStartBytes)
        {
            if (first.StartsWith(start))
            {
                return true;
            }
        }

        return false;
    }

    private static string Response(string body) =>
        $"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {Encoding.ASCII.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
}
