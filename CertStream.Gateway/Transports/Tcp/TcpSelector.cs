using CertStream.Contracts;
using System.Text;

namespace CertStream.Gateway.Transports.Tcp;

/// <summary>
/// What a raw TCP client's first bytes are. One selector byte, optionally followed by a query
/// (<c>?match=...</c>, README "Server-side filters") up to a newline (<see cref="StreamNames.FromSelector"/>:
/// <c>f</c>/<c>F</c> full, <c>d</c>/<c>D</c> domains, <c>l</c>/<c>L</c> or any other byte lite;
/// docs/wire-format.md: <c>echo | nc host 8081</c> and clients sending nothing get the default stream). An HTTP request
/// (someone pointed a browser or curl at the wrong port) is not a selector: it gets a 400 response
/// naming the mistake instead of a stream of JSON lines that no HTTP client can show.
/// </summary>
internal static class TcpSelector
{
    /// <summary>Bytes read for the selector: enough for the longest request-line start recognised.</summary>
    public const int ReadSize = 16;

    /// <summary>Longest selector line with options.</summary>
    public const int MaxLine = 4096;

    private static readonly string[] HttpStarts = ["GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ", "PRI * HTTP/2"];

    private static readonly byte[][] HttpStartBytes = [.. HttpStarts.Select(Encoding.ASCII.GetBytes)];

    /// <summary>The 400 response (with <c>Connection: close</c>) an HTTP request gets.</summary>
    public static readonly string HttpResponse = Response(
        "This is the CertStream raw TCP port: newline-delimited JSON, not HTTP.\n" +
        "Connect with a TCP client (e.g. nc) and send f (full), d (domains) or l (lite) first,\n" +
        "optionally with a filter: f?match=*.example.com&dedup=1 and a newline;\n" +
        "for WebSocket, SSE and the HTTP endpoints use the HTTP port.\n");

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the first bytes (or takes <paramref name="already"/>,
    /// what followed the AUTH line). Null kind: the client closed, or (Http) sent an HTTP request. On
    /// timeout the stream is lite and the read is not cancelled (that may break the connection): it is
    /// handed on as Pending instead. A selector followed by <c>?</c> (or a lone <c>?</c>: lite) starts an
    /// options line, <c>f?match=*.example.com&amp;dedup=1\n</c>, read up to its newline within the same
    /// timeout (without one, what arrived in time is the line); its query is returned for the filter.
    /// </summary>
    public static async Task<TcpSelection> ReadAsync(Stream stream, ReadOnlyMemory<byte> already, TimeSpan timeout, TimeProvider time, CancellationToken stoppingToken)
    {
        var buffer = new byte[MaxLine];
        int length;
        var started = time.GetTimestamp();
        if (!already.IsEmpty)
        {
            length = Math.Min(already.Length, MaxLine);
            already.Span[..length].CopyTo(buffer);
        }
        else
        {
            var receive = stream.ReadAsync(buffer, 0, ReadSize, CancellationToken.None);
            try
            {
                await receive.WaitAsync(timeout, time, stoppingToken);
            }
            catch (TimeoutException)
            {
                return new TcpSelection(StreamKind.Lite, receive, false, null);
            }

            length = await receive;
            if (length == 0)
            {
                return new TcpSelection(null, null, false, null);
            }

            if (IsHttpRequest(buffer.AsSpan(0, length)))
            {
                return new TcpSelection(null, null, true, null);
            }
        }

        var optionsAt = buffer[0] == (byte)'?' ? 0 : length > 1 && buffer[1] == (byte)'?' ? 1 : -1;
        var kind = optionsAt == 0 ? StreamKind.Lite : StreamNames.FromSelector(buffer[0]);
        if (optionsAt < 0)
        {
            return new TcpSelection(kind, null, false, null);
        }

        Task<int>? pending = null;
        int newline;
        while ((newline = Array.IndexOf(buffer, (byte)'\n', 0, length)) < 0 && length < MaxLine)
        {
            var remaining = timeout - time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            var receive = stream.ReadAsync(buffer, length, MaxLine - length, CancellationToken.None);
            try
            {
                await receive.WaitAsync(remaining, time, stoppingToken);
            }
            catch (TimeoutException)
            {
                pending = receive; // fills the buffer after the line was taken: ignored, like anything after the selector
                break;
            }

            var read = await receive;
            if (read == 0)
            {
                return new TcpSelection(null, null, false, null);
            }

            length += read;
        }

        if (newline < 0 && length >= MaxLine)
        {
            return new TcpSelection(kind, pending, false, null, $"the selector line is longer than {MaxLine} bytes");
        }

        var line = buffer.AsSpan(optionsAt + 1, (newline < 0 ? length : newline) - optionsAt - 1);
        if (line.EndsWith("\r"u8))
        {
            line = line[..^1];
        }

        return new TcpSelection(kind, pending, false, Encoding.UTF8.GetString(line));
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

/// <summary>
/// What <see cref="TcpSelector.ReadAsync"/> found: the stream (null: none, the client closed or sent
/// HTTP), a receive still outstanding, the options query after <c>?</c> (null: none) and a problem
/// with the line (null: none).
/// </summary>
internal sealed record TcpSelection(StreamKind? Kind, Task<int>? Pending, bool Http, string? Query, string? Problem = null);
