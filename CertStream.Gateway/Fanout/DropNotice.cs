using System.Buffers.Text;

namespace CertStream.Gateway.Fanout;

/// <summary>
/// The <c>messages_dropped</c> message (docs/wire-format.md): <c>{"message_type":"messages_dropped","data":{"count":N,"reason":"…"}}</c>,
/// <c>"count":null</c> when the number is unknown. Formatted into the caller's span: a client that
/// keeps losing messages costs no allocation for being told.
/// </summary>
internal static class DropNotice
{
    /// <summary>Largest formatted notice.</summary>
    public const int MaxLength = 128;

    /// <summary>The client's queue overflowed: it fell behind the stream's buffer on this node.</summary>
    public static ReadOnlySpan<byte> SlowClient => "slow_client"u8;

    /// <summary>It resumed from a cursor older than the replay buffer (or the buffer lost messages while it was replayed).</summary>
    public static ReadOnlySpan<byte> ReplayBufferExceeded => "replay_buffer_exceeded"u8;

    /// <summary>It resumed but the replay buffer could not be read (Redis unreachable, or it was emptied): the count is unknown.</summary>
    public static ReadOnlySpan<byte> ReplayUnavailable => "replay_unavailable"u8;

    /// <summary>Writes the notice into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes); count below 0: unknown. Returns its length.</summary>
    public static int Format(Span<byte> destination, long count, ReadOnlySpan<byte> reason)
    {
        var written = 0;
        Append(destination, ref written, "{\"message_type\":\"messages_dropped\",\"data\":{\"count\":"u8);
        if (count < 0)
        {
            Append(destination, ref written, "null"u8);
        }
        else
        {
            Utf8Formatter.TryFormat(count, destination[written..], out var digits);
            written += digits;
        }

        Append(destination, ref written, ",\"reason\":\""u8);
        Append(destination, ref written, reason);
        Append(destination, ref written, "\"}}"u8);
        return written;
    }

    private static void Append(Span<byte> destination, ref int written, ReadOnlySpan<byte> text)
    {
        text.CopyTo(destination[written..]);
        written += text.Length;
    }
}
