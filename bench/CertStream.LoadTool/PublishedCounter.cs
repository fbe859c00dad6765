using System.Buffers.Text;
using CertStream.Contracts;
using StackExchange.Redis;

namespace CertStream.LoadTool;

/// <summary>
/// With <c>--rate 0</c> something else (an ingestor) publishes: this subscribes to the lite channel
/// beside the gateways and counts the messages whose <c>seen</c> falls in the measured window, so
/// that the delivered fraction is known all the same.
/// </summary>
internal sealed class PublishedCounter(MeasurementWindow window)
{
    private long _inWindow;

    public long InWindow => Interlocked.Read(ref _inWindow);

    public async Task StartAsync(IConnectionMultiplexer redis)
    {
        var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisNames.StreamChannel(StreamKind.Lite)));
        queue.OnMessage(message =>
        {
            var json = ((ReadOnlyMemory<byte>)message.Message).Span;
            var at = json.IndexOf("\"seen\":"u8);
            if (at >= 0 && Utf8Parser.TryParse(json[(at + 7)..], out double seen, out _) && window.Contains(seen))
            {
                Interlocked.Increment(ref _inWindow);
            }
        });
    }
}
