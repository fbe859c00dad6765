using CertStream.Gateway.Access;

namespace CertStream.Gateway.Transports.Tcp;

/// <summary>
/// Reads a raw TCP client's <c>AUTH &lt;token&gt;</c> line (LF or CRLF, at most 1 KiB) within
/// <c>auth:tcp_timeout_ms</c>. Bytes after the line that arrived with it start the stream selector
/// (line), returned so the client can send <c>AUTH t\nf</c> in one write.
/// </summary>
internal static class TcpAuthLine
{
    private const int MaxLine = 1024 + 7;

    /// <summary>The matched token's digest (null: missing, malformed, wrong or too late) and the bytes after the line (empty: none yet).</summary>
    public static async Task<(byte[]? Digest, byte[] After)> ReadAsync(Stream stream, TokenAuthenticator auth, TimeProvider time, CancellationToken stoppingToken)
    {
        var buffer = new byte[MaxLine + 1];
        var length = 0;
        using var deadline = new CancellationTokenSource(auth.Options.TcpTimeout, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, deadline.Token);
        try
        {
            while (length < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(length), timeout.Token);
                if (read == 0)
                {
                    return (null, []);
                }

                var newline = Array.IndexOf(buffer, (byte)'\n', length, read);
                length += read;
                if (newline >= 0)
                {
                    var line = buffer.AsSpan(0, newline);
                    if (line.EndsWith("\r"u8))
                    {
                        line = line[..^1];
                    }

                    var digest = line.StartsWith("AUTH "u8) ? auth.Match(line["AUTH ".Length..].Trim((byte)' ')) : null;
                    var after = buffer.AsSpan(newline + 1, length - newline - 1).ToArray();
                    Array.Clear(buffer); // the token does not linger in memory
                    return (digest, after);
                }
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }

        Array.Clear(buffer);
        return (null, []);
    }
}
