namespace CertStream.Tests.Gateway.Support;

/// <summary>Reads byte records separated by a delimiter from a stream, byte for byte (for SSE events and TCP lines).</summary>
public sealed class DelimitedReader(Stream stream, byte[] delimiter)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly byte[] _buffer = new byte[256 * 1024];
    private readonly MemoryStream _pending = new();

    /// <summary>The next record without its delimiter, or null at the end of the stream.</summary>
    public async Task<byte[]?> ReadAsync(CancellationToken ct)
    {
        while (true)
        {
            var data = _pending.GetBuffer().AsSpan(0, (int)_pending.Length);
            var at = data.IndexOf(delimiter);
            if (at >= 0)
            {
                var record = data[..at].ToArray();
                var rest = data[(at + delimiter.Length)..].ToArray();
                _pending.SetLength(0);
                _pending.Write(rest);
                return record;
            }

            var read = await stream.ReadAsync(_buffer, ct).AsTask().WaitAsync(Timeout, ct);
            if (read == 0)
            {
                return null;
            }

            _pending.Write(_buffer, 0, read);
        }
    }
}
