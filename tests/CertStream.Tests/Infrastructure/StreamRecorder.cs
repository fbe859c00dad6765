using System.Collections.Concurrent;
using System.Text.Json;
using CertStream.Contracts;
using StackExchange.Redis;

namespace CertStream.Tests.Infrastructure;

/// <summary>One published certificate as a test sees it on the lite channel.</summary>
public readonly record struct PublishedCertificate(string LogUrl, long Index, string Sha256, string UpdateType);

/// <summary>Subscribes to a stream channel and records every certificate_update, per log, in arrival order.</summary>
public sealed class StreamRecorder : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _mux;
    private readonly ConcurrentDictionary<string, List<PublishedCertificate>> _byLog = new();
    private readonly TaskCompletionSource _subscriptionLost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _malformed;

    private StreamRecorder(ConnectionMultiplexer mux) => _mux = mux;

    public int Malformed => _malformed;

    /// <summary>
    /// Completes when the subscription's connection has failed (the server went away). The client
    /// reads what the server sent up to the end of the connection before it calls it failed, so from
    /// then on every message delivered to this recorder is in its queue: disposing loses none.
    /// </summary>
    public Task SubscriptionLost => _subscriptionLost.Task;

    public static async Task<StreamRecorder> StartAsync(string redis, StreamKind kind = StreamKind.Lite)
    {
        var mux = await ConnectionMultiplexer.ConnectAsync(redis);
        var recorder = new StreamRecorder(mux);
        mux.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                recorder._subscriptionLost.TrySetResult();
            }
        };
        var queue = await mux.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisNames.StreamChannel(kind)));
        queue.OnMessage(m => recorder.Record(m.Message));
        return recorder;
    }

    public IReadOnlyList<PublishedCertificate> For(string logUrl)
    {
        var list = _byLog.GetOrAdd(logUrl, _ => []);
        lock (list)
        {
            return list.ToArray();
        }
    }

    private void Record(RedisValue value)
    {
        try
        {
            using var doc = JsonDocument.Parse((byte[])value!);
            var data = doc.RootElement.GetProperty("data");
            var url = data.GetProperty("source").GetProperty("url").GetString()!;
            var cert = new PublishedCertificate(url, data.GetProperty("cert_index").GetInt64(),
                data.GetProperty("leaf_cert").GetProperty("sha256").GetString()!, data.GetProperty("update_type").GetString()!);
            var list = _byLog.GetOrAdd(url, _ => []);
            lock (list)
            {
                list.Add(cert);
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Interlocked.Increment(ref _malformed);
        }
    }

    public async ValueTask DisposeAsync() => await _mux.DisposeAsync();
}
