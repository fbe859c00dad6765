using CertStream.Contracts;
using CertStream.Gateway.Fanout;
using Microsoft.AspNetCore.WebUtilities;

namespace CertStream.Gateway.Transports;

/// <summary>
/// The names a client asks for a stream by, on every transport (docs/wire-format.md): the
/// WebSocket paths (<c>/</c>, <c>/full-stream</c>, <c>/domains-only</c>), the SSE
/// <c>stream=</c> values and the raw TCP selector byte. Lite is the default everywhere.
/// </summary>
internal static class StreamNames
{
    /// <summary>The WebSocket path of a stream; its <c>example.json</c> sits below it.</summary>
    public static string Path(StreamKind kind) => kind switch
    {
        StreamKind.Full => "/full-stream",
        StreamKind.Domains => "/domains-only",
        _ => "/",
    };

    /// <summary>The newest message's path: <c>/example.json</c>, <c>/full-stream/example.json</c>, ...</summary>
    public static string ExamplePath(StreamKind kind) => Path(kind).TrimEnd('/') + "/example.json";

    /// <summary>
    /// An SSE <c>stream=</c> value, case-insensitive: empty or <c>lite</c>, <c>full</c> or
    /// <c>full-stream</c>, <c>domains</c> or <c>domains-only</c>. False for anything else.
    /// </summary>
    public static bool TryParse(string value, out StreamKind kind)
    {
        switch (value.ToLowerInvariant())
        {
            case "" or "lite":
                kind = StreamKind.Lite;
                return true;
            case "full" or "full-stream":
                kind = StreamKind.Full;
                return true;
            case "domains" or "domains-only":
                kind = StreamKind.Domains;
                return true;
            default:
                kind = StreamKind.Lite;
                return false;
        }
    }

    /// <summary>A raw TCP client's selector byte: <c>f</c>/<c>F</c> full, <c>d</c>/<c>D</c> domains, any other byte lite.</summary>
    public static StreamKind FromSelector(byte first) => first switch
    {
        (byte)'f' or (byte)'F' => StreamKind.Full,
        (byte)'d' or (byte)'D' => StreamKind.Domains,
        _ => StreamKind.Lite,
    };

    /// <summary>
    /// A raw TCP client's selector line: the selector byte, then optionally <c>?</c> and a query as
    /// in a URL (<c>f?since=1764428400000-42&amp;notices=0</c>), up to the newline. Old clients send
    /// the byte alone (or with a newline): the same stream, no options.
    /// </summary>
    public static bool TryParseSelectorLine(ReadOnlySpan<byte> line, out StreamKind kind, out ResumeRequest request)
    {
        kind = line.IsEmpty ? StreamKind.Lite : FromSelector(line[0]);
        request = ResumeRequest.Default;
        if (line.Length < 2 || line[1] != (byte)'?')
        {
            return true;
        }

        var query = QueryHelpers.ParseQuery(System.Text.Encoding.UTF8.GetString(line[1..]).TrimEnd('\r', '\n'));
        return ResumeRequest.TryParse(query.TryGetValue("since", out var since) ? since.ToString() : null, null,
            query.TryGetValue("notices", out var notices) ? notices.ToString() : null, out request);
    }
}
