using System.Buffers.Text;

namespace CertStream.Contracts;

/// <summary>
/// Where a message sits in its stream kind, as clients see it (<c>"cursor":"&lt;ms&gt;-&lt;seq&gt;"</c>, SSE
/// <c>id:</c>) and as Redis stores it: the id of the message's entry in the kind's replay stream
/// (<see cref="RedisNames.ReplayStream"/>). <see cref="Milliseconds"/> is Redis's clock when the
/// message was published; <see cref="Sequence"/> counts the kind's messages, one by one, cluster-wide
/// (<see cref="RedisNames.ReplaySequence"/>), so the distance between two cursors is how many messages
/// lie between them. Both parts only grow, so cursors order like the messages.
/// </summary>
public readonly record struct StreamCursor(long Milliseconds, long Sequence) : IComparable<StreamCursor>
{
    /// <summary>The JSON field the replay script appends as the last top-level field of each message.</summary>
    public const string FieldName = "cursor";

    /// <summary>Longest cursor text: two 19-digit numbers and the dash.</summary>
    public const int MaxLength = 39;

    /// <summary>Redis's order of stream ids: time, then sequence.</summary>
    public int CompareTo(StreamCursor other) =>
        Milliseconds != other.Milliseconds ? Milliseconds.CompareTo(other.Milliseconds) : Sequence.CompareTo(other.Sequence);

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");

    /// <summary>Parses <c>&lt;ms&gt;-&lt;seq&gt;</c> (decimal digits only, sequence at least 1); false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out StreamCursor cursor)
    {
        cursor = default;
        if (text.IsEmpty || text.Length > MaxLength)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[MaxLength];
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] > 0x7F)
            {
                return false;
            }

            utf8[i] = (byte)text[i];
        }

        return TryParse(utf8[..text.Length], out cursor);
    }

    /// <inheritdoc cref="TryParse(ReadOnlySpan{char}, out StreamCursor)"/>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out StreamCursor cursor)
    {
        cursor = default;
        var dash = utf8.IndexOf((byte)'-');
        if (dash <= 0 || utf8.Length > MaxLength
            || !TryParseDigits(utf8[..dash], out var ms)
            || !TryParseDigits(utf8[(dash + 1)..], out var seq) || seq < 1)
        {
            return false;
        }

        cursor = new StreamCursor(ms, seq);
        return true;
    }

    /// <summary>
    /// The cursor text at the end of a message as the replay script publishes it
    /// (<c>…,"cursor":"&lt;ms&gt;-&lt;seq&gt;"}</c>), found from the tail without parsing the JSON. False
    /// for a message without one (published by an ingestor with the replay off, a heartbeat, ...).
    /// </summary>
    public static bool TryFindInMessage(ReadOnlySpan<byte> message, out ReadOnlySpan<byte> text, out StreamCursor cursor)
    {
        text = default;
        cursor = default;
        if (!message.EndsWith("\"}"u8))
        {
            return false;
        }

        var body = message[..^2];
        var open = body.Length > MaxLength + 1 ? body.Length - MaxLength - 1 : 0;
        var quote = body[open..].LastIndexOf((byte)'"');
        if (quote < 0)
        {
            return false;
        }

        quote += open;
        if (!body[..(quote + 1)].EndsWith(",\"cursor\":\""u8) || !TryParse(body[(quote + 1)..], out cursor))
        {
            return false;
        }

        text = body[(quote + 1)..];
        return true;
    }

    private static bool TryParseDigits(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 19)
        {
            return false;
        }

        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return Utf8Parser.TryParse(digits, out value, out var consumed) && consumed == digits.Length && value >= 0;
    }
}
