using System.Diagnostics;
using CertStream.Contracts;
using StackExchange.Redis;

namespace CertStream.LoadTool;

/// <summary>Publishes lite messages to the lite channel at a fixed rate, evenly spaced, counting those in the measured window.</summary>
internal sealed class Publisher(IConnectionMultiplexer redis, double rate, MeasurementWindow window)
{
    private readonly LiteMessageFactory _factory = new();

    public long Published { get; private set; }

    public long PublishedInWindow { get; private set; }

    public async Task RunAsync(CancellationToken stop)
    {
        if (rate <= 0)
        {
            // --rate 0: the clients follow a stream that something else (an ingestor) feeds.
            return;
        }

        var channel = RedisChannel.Literal(RedisNames.StreamChannel(StreamKind.Lite));
        var subscriber = redis.GetSubscriber();
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (!stop.IsCancellationRequested)
        {
            var due = TimeSpan.FromSeconds(sent / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            var seen = LiteMessageFactory.Now();
            var message = _factory.Create(seen);
            subscriber.Publish(channel, message, CommandFlags.FireAndForget);
            sent++;
            Published = sent;
            if (window.Contains(seen))
            {
                PublishedInWindow++;
            }
        }
    }
}
