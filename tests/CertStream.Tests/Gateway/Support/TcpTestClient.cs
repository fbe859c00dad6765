using System.Net;
using System.Net.Sockets;

namespace CertStream.Tests.Gateway.Support;

/// <summary>A raw TCP stream client: optional selector byte, then newline-delimited messages.</summary>
public sealed class TcpTestClient : IDisposable
{
    private readonly TcpClient _client;
    private readonly DelimitedReader _reader;

    private TcpTestClient(TcpClient client)
    {
        _client = client;
        _reader = new DelimitedReader(client.GetStream(), "\n"u8.ToArray());
    }

    public static async Task<TcpTestClient> ConnectAsync(int port, char? selector, CancellationToken ct)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, ct);
        if (selector is { } s)
        {
            await client.GetStream().WriteAsync(new[] { (byte)s }, ct);
        }

        return new TcpTestClient(client);
    }

    /// <summary>The next line, or null when the server closed the connection.</summary>
    public Task<byte[]?> ReadLineAsync(CancellationToken ct) => _reader.ReadAsync(ct);

    public void Dispose() => _client.Dispose();
}
