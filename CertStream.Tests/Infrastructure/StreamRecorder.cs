using System.Collections.Concurrent;
using System.Text.Json;
using CertStream.Contracts;
using CertStream.Contracts.Envelope;
using StackExchange.Redis;

namespace CertStream.Tests.Infrastructure;

/// <summary>One published certificate as a test sees it on the lite channel; <see cref="Integrity"/> is <c>data.integrity</c> (null on normal entries).</summary>
public readonly record struct PublishedCertificate(string LogUrl, long Index, string Sha256, string UpdateType, string? Integrity = null)
{
    /// <summary>The envelope flags it was published with (0 for a legacy payload).</summary>
    public byte Flags { get; init; }
}

/// <summary>Subscribes to a stream channel and records every certificate_update, per log, in arrival order.</summary>
public sealed class StreamRecorder : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _mux;
    private readonly ConcurrentDictionary<string, List<PublishedCertificate>> _byLog = new();
    private int _malformed;

    private StreamRecorder(ConnectionMultiplexer mux) => _mux = mux;

    public int Malformed => _malformed;

    /// <summary>Fires on every message recorded.</summary>
    public Pulse Changed { get; } = new();

    public static async Task<StreamRecorder> StartAsync(string redis, StreamKind kind = StreamKind.Lite)
    {
        var mux = await ConnectionMultiplexer.ConnectAsync(redis);
        var recorder = new StreamRecorder(mux);
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
        if (!TryParse((byte[])value!, out var cert))
        {
            Interlocked.Increment(ref _malformed);
            return;
        }

        var list = _byLog.GetOrAdd(cert.LogUrl, _ => []);
        lock (list)
        {
            list.Add(cert);
        }

        Changed.Fire();
    }

    /// <summary>Waits until <paramref name="condition"/> holds, checked on each message; fails after <paramref name="timeout"/>.</summary>
    public Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string because, CancellationToken ct) =>
        Pulse.UntilAsync(condition, timeout, because, ct, Changed);

    /// <summary>A certificate_update message as the recorders see it (envelope header + JSON, or legacy JSON); false when it is malformed.</summary>
    public static bool TryParse(byte[] message, out PublishedCertificate cert)
    {
        try
        {
            var offset = StreamEnvelope.JsonOffset(message);
            if (offset < 0)
            {
                cert = default;
                return false;
            }

            var flags = offset == 0 ? (byte)0 : message[2];
            using var doc = JsonDocument.Parse(message.AsMemory(offset));
            var data = doc.RootElement.GetProperty("data");
            cert = new PublishedCertificate(data.GetProperty("source").GetProperty("url").GetString()!, data.GetProperty("cert_index").GetInt64(),
                data.GetProperty("leaf_cert").GetProperty("sha256").GetString()!, data.GetProperty("update_type").GetString()!,
                data.TryGetProperty("integrity", out var integrity) ? integrity.GetString() : null) { Flags = flags };
            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            cert = default;
            return false;
        }
    }

    public async ValueTask DisposeAsync() => await _mux.DisposeAsync();
}
