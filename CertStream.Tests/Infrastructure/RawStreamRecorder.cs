using System.Net.Sockets;
using System.Text;
using CertStream.Contracts;

namespace CertStream.Tests.Infrastructure;

/// <summary>
/// A subscriber on one plain socket that never reconnects: when Redis goes away it reads what was
/// sent up to the end of the stream and <see cref="Completion"/> completes, so a test knows it has
/// seen everything Redis delivered to it (SE.Redis would resubscribe, and drop what it had queued
/// when disposed).
/// </summary>
public sealed class RawStreamRecorder : IDisposable
{
    private readonly TcpClient _client;
    private readonly List<PublishedCertificate> _received = [];

    private RawStreamRecorder(TcpClient client) => _client = client;

    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Fires on every certificate recorded.</summary>
    public Pulse Changed { get; } = new();

    public static async Task<RawStreamRecorder> StartAsync(RedisTestServer server, CancellationToken ct, StreamKind kind = StreamKind.Lite)
    {
        var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, server.Port, ct);
        var recorder = new RawStreamRecorder(client);
        var stream = new BufferedStream(client.GetStream(), 64 * 1024);
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"SUBSCRIBE {RedisNames.StreamChannel(kind)}\r\n"), ct);
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        recorder.Completion = Task.Run(() => recorder.ReadAsync(stream, subscribed), CancellationToken.None);
        await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        return recorder;
    }

    public IReadOnlyList<PublishedCertificate> For(string logUrl)
    {
        lock (_received)
        {
            return [.. _received.Where(c => c.LogUrl == logUrl)];
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, checked on each certificate; fails after <paramref name="timeout"/>.</summary>
    public Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string because, CancellationToken ct) =>
        Pulse.UntilAsync(condition, timeout, because, ct, Changed);

    private async Task ReadAsync(Stream stream, TaskCompletionSource subscribed)
    {
        try
        {
            while (true)
            {
                // Each push is an array: ["subscribe", channel, count] or ["message", channel, payload].
                var header = await ReadLineAsync(stream);
                if (header is null)
                {
                    return;
                }

                var count = int.Parse(header.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
                var items = new List<byte[]>(count);
                for (var i = 0; i < count; i++)
                {
                    var item = await ReadLineAsync(stream) ?? throw new EndOfStreamException();
                    if (item[0] == '$')
                    {
                        var bytes = new byte[int.Parse(item.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture) + 2];
                        await stream.ReadExactlyAsync(bytes);
                        items.Add(bytes[..^2]);
                    }
                    else
                    {
                        items.Add(Encoding.ASCII.GetBytes(item[1..]));
                    }
                }

                var type = Encoding.ASCII.GetString(items[0]);
                if (type == "subscribe")
                {
                    subscribed.TrySetResult();
                }
                else if (type == "message" && StreamRecorder.TryParse(items[2], out var cert))
                {
                    lock (_received)
                    {
                        _received.Add(cert);
                    }

                    Changed.Fire();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException or ObjectDisposedException)
        {
        }
        finally
        {
            subscribed.TrySetException(new InvalidOperationException("the subscription ended before it was confirmed"));
        }
    }

    private static async Task<string?> ReadLineAsync(Stream stream)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return null;
            }

            if (one[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)one[0]);
        }
    }

    public void Dispose() => _client.Dispose();
}
