using System.Security.Cryptography;
using System.Text;

namespace CertStream.Feed.Contracts;

/// <summary>
/// The message id of a log entry on the feed: a name-based UUID (RFC 9562 version 5, SHA-1) of
/// <c>{logUrl}#{index}</c> in a namespace of its own. Any publisher, before or after a restart,
/// gives the same entry the same id, so a consumer (or an inbox) recognises a redelivery.
/// </summary>
public static class FeedMessageId
{
    /// <summary>The namespace UUID of CertStream feed ids (a fixed random value).</summary>
    public static readonly Guid Namespace = new("5b0c1c8e-6a54-4f8e-9d0a-3c2f7a1e9b41");

    public static Guid For(string logUrl, long index)
    {
        var name = Encoding.UTF8.GetBytes($"{logUrl}#{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        var input = new byte[16 + name.Length];
        Namespace.TryWriteBytes(input, bigEndian: true, out _);
        name.CopyTo(input.AsSpan(16));
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash[..16], bigEndian: true);
    }
}
