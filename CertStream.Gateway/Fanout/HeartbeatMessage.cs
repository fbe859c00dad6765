using System.Buffers;
using System.Buffers.Text;

namespace CertStream.Gateway.Fanout;

/// <summary>Formats <c>{"message_type":"heartbeat","timestamp":1779302894.512}</c> (docs/wire-format.md).</summary>
internal static class HeartbeatMessage
{
    /// <summary>Longest output: the prefix, 20 digits, a dot, 3 digits and the brace.</summary>
    public const int MaxLength = 64;

    private static ReadOnlySpan<byte> Prefix => "{\"message_type\":\"heartbeat\",\"timestamp\":"u8;

    public static int Format(Span<byte> destination, DateTimeOffset now)
    {
        var ms = now.ToUnixTimeMilliseconds();
        Prefix.CopyTo(destination);
        var at = Prefix.Length;
        Utf8Formatter.TryFormat(ms / 1000, destination[at..], out var written);
        at += written;
        destination[at++] = (byte)'.';
        Utf8Formatter.TryFormat(ms % 1000, destination[at..], out written, new StandardFormat('D', 3));
        at += written;
        destination[at++] = (byte)'}';
        return at;
    }
}
