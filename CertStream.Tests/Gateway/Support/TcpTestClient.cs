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

    /// <summary>Connects and sends the selector; <paramref name="receiveBufferSize"/> (set before connecting) makes a client that does not read felt quickly.</summary>
    public static async Task<TcpTestClient> ConnectAsync(int port, char? selector, CancellationToken ct, int? receiveBufferSize = null)
    {
        var client = new TcpClient();
        if (receiveBufferSize is { } size)
        {
            client.ReceiveBufferSize = size;
        }

        await client.ConnectAsync(IPAddress.Loopback, port, ct);
        if (selector is { } s)
        {
            await client.GetStream().WriteAsync(new[] { (byte)s }, ct);
        }

        return new TcpTestClient(client);
    }

    /// <summary>Sends raw bytes (a selector line, an AUTH line).</summary>
    public async Task SendAsync(byte[] bytes, CancellationToken ct) => await _client.GetStream().WriteAsync(bytes, ct);

    /// <summary>The next line, or null when the server closed the connection.</summary>
    public Task<byte[]?> ReadLineAsync(CancellationToken ct) => _reader.ReadAsync(ct);

    public void Dispose() => _client.Dispose();
}
