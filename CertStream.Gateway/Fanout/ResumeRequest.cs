using CertStream.Contracts;

namespace CertStream.Gateway.Fanout;

/// <summary>
/// What a client asked for beyond its stream: where to resume (<c>?since=</c>, SSE <c>Last-Event-ID</c>,
/// the TCP selector line's query) and whether it wants <c>messages_dropped</c> notices (<c>?notices=0</c>: no).
/// </summary>
internal sealed record ResumeRequest(StreamCursor? Since, bool Notices)
{
    public static readonly ResumeRequest Default = new(null, true);

    /// <summary>What a refused client is told.</summary>
    public const string Usage = "since (or Last-Event-ID) must be a cursor as sent in the messages, <ms>-<seq>; notices must be 0 or 1";

    /// <summary>
    /// Parses the raw values (null or empty: absent). <paramref name="since"/> wins over
    /// <paramref name="lastEventId"/>. False, with <see cref="Default"/>, when a value is malformed.
    /// </summary>
    public static bool TryParse(string? since, string? lastEventId, string? notices, out ResumeRequest request)
    {
        request = Default;
        var wanted = string.IsNullOrEmpty(since) ? lastEventId : since;
        StreamCursor? cursor = null;
        if (!string.IsNullOrEmpty(wanted))
        {
            if (!StreamCursor.TryParse(wanted.Trim(), out var parsed))
            {
                return false;
            }

            cursor = parsed;
        }

        bool on;
        switch (notices?.Trim().ToLowerInvariant())
        {
            case null or "" or "1" or "true" or "on":
                on = true;
                break;
            case "0" or "false" or "off":
                on = false;
                break;
            default:
                return false;
        }

        request = new ResumeRequest(cursor, on);
        return true;
    }
}
