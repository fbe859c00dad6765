namespace CertStream.Gateway.Transports.Tcp;

/// <summary>
/// A raw TCP client may follow its selector byte with <c>?</c> and a query, ending the line with a
/// newline: <c>f?since=1764428400000-42\n</c> (docs/wire-format.md, TCP). Old clients never send
/// <c>?</c> second, so their single byte (or byte and newline) means what it always did.
/// <see cref="StreamNames.TryParseSelectorLine"/> reads the line.
/// </summary>
internal static class TcpSelectorLine
{
    /// <summary>Longest selector line accepted.</summary>
    public const int MaxLength = 1024;

    /// <summary>
    /// The selector line that <paramref name="first"/> starts: as it is when it is a single byte or
    /// not a query line, else read on until its newline (excluded) within <paramref name="timeout"/>.
    /// Null: the line is too long, the client closed, or the newline did not come in time.
    /// </summary>
    public static async Task<byte[]?> CompleteAsync(Stream stream, byte[] first, TimeSpan timeout, TimeProvider time, CancellationToken stoppingToken)
    {
        if (first.Length < 2 || first[1] != (byte)'?')
        {
            return first;
        }

        var buffer = new byte[MaxLength + 1];
        var length = Math.Min(first.Length, buffer.Length);
        first.AsSpan(0, length).CopyTo(buffer);
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, deadline.Token);
        try
        {
            while (true)
            {
                var newline = buffer.AsSpan(0, length).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    return buffer[..newline];
                }

                if (length >= buffer.Length)
                {
                    return null;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), linked.Token);
                if (read == 0)
                {
                    return null;
                }

                length += read;
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
