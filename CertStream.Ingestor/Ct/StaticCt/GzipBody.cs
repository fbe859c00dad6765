using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace CertStream.Ingestor.Ct.StaticCt;

/// <summary>
/// Static-ct logs serve tiles gzip-compressed, sometimes without <c>Content-Encoding</c> or whatever the
/// request's Accept-Encoding said. So a body is recognised by the gzip magic (1f 8b) instead of by headers:
/// a TileLeaf starts with a millisecond timestamp, a checkpoint with text and an issuer with 0x30, none with 1f 8b.
/// </summary>
public static class GzipBody
{
    /// <summary>Largest decompressed body accepted (a full data tile is ~0.4–5 MB): a gzip bomb stops here.</summary>
    public const int DefaultMaxBytes = 16 * 1024 * 1024;

    public static bool IsGzip(ReadOnlySpan<byte> body) => body.Length >= 2 && body[0] == 0x1F && body[1] == 0x8B;

    /// <summary>
    /// The body itself when it is not gzip; else its decompressed bytes (all members of a multi-member stream).
    /// Corrupt or truncated gzip, or more than <paramref name="maxBytes"/> once decompressed, throws <see cref="CtDecodeException"/>.
    /// </summary>
    public static ReadOnlyMemory<byte> DecompressIfGzip(ReadOnlyMemory<byte> body, int maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        if (!IsGzip(body.Span))
        {
            return body;
        }

        using var output = DecompressPooled(body, maxBytes);
        return output.ToArray();
    }

    /// <summary>
    /// Decompresses a gzip <paramref name="body"/> into a pooled buffer (the caller disposes it), with the
    /// checks of <see cref="DecompressIfGzip"/>.
    /// </summary>
    public static Http.PooledBody DecompressPooled(ReadOnlyMemory<byte> body, int maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        var input = MemoryMarshal.TryGetArray(body, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(body.ToArray(), writable: false);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        var output = new Http.PooledBody((int)Math.Min(maxBytes, body.Length * 4L));
        try
        {
            int read;
            while ((read = gzip.Read(output.GetFree(64 * 1024).Span)) > 0)
            {
                output.Advance(read);
                if (output.Length > maxBytes)
                {
                    throw new CtDecodeException($"gzip body decompresses to more than {maxBytes} bytes");
                }
            }

            // GZipStream checks each member's CRC but treats a stream cut short as a clean end. The last
            // member's trailer (ISIZE: its length mod 2^32, little-endian) then holds compressed bytes,
            // almost never a number <= the total decompressed: a valid stream always passes this check.
            var span = body.Span;
            if (span.Length < 18 || BinaryPrimitives.ReadUInt32LittleEndian(span[^4..]) > output.Length)
            {
                throw new CtDecodeException("truncated gzip body");
            }

            return output;
        }
        catch (InvalidDataException ex)
        {
            output.Dispose();
            throw new CtDecodeException($"corrupt gzip body: {ex.Message}", ex);
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }
}
