using System.Text;
using BenchmarkDotNet.Attributes;
using CertStream.Contracts.Envelope;
using CertStream.Gateway.Fanout.Filtering;
using Microsoft.AspNetCore.WebUtilities;

namespace CertStream.Benchmarks.Fanout;

/// <summary>
/// Per published message, the gateway's fan-out work for 1,000 unfiltered clients (every message to
/// every client through the shared ring) against 10,000 filtered clients, each watching its own
/// domain (<c>?match=*.client&lt;i&gt;.example</c>, README "Server-side filters"). Messages are envelopes
/// as the ingestor publishes them: a lite-sized JSON after a header with four names, one of which
/// belongs to one of the filtered clients (so each message matches exactly one of them: a pessimistic
/// mix, real filters match far fewer). One op publishes <see cref="Batch"/> messages and runs a flush
/// tick until everything due is written (OperationsPerInvoke = Batch: results are per published message).
/// The flush tick spreads more than 256 clients over the cores, so the unfiltered figure is wall time
/// on up to all cores (its CPU time is up to that many times more); the filtered one runs on one thread.
/// </summary>
public class FilteredFanoutBenchmarks
{
    private const int Batch = 10;
    private readonly ReadOnlyMemory<byte>[] _messages = new ReadOnlyMemory<byte>[Batch * 100];
    private FanoutHarness _harness = null!;
    private long _expected;
    private int _next;

    [Params("1000 unfiltered", "10000 filtered")]
    public string Clients { get; set; } = "1000 unfiltered";

    [GlobalSetup]
    public void Setup()
    {
        var filtered = Clients.StartsWith("10000", StringComparison.Ordinal);
        var count = filtered ? 10_000 : 1_000;
        var random = new Random(7);
        for (var i = 0; i < _messages.Length; i++)
        {
            var writer = new StreamEnvelopeWriter();
            writer.AddDomain(Encoding.ASCII.GetBytes($"www.client{random.Next(count)}.example"));
            writer.AddDomain(Encoding.ASCII.GetBytes($"shop{i}.unwatched.example"));
            writer.AddDomain(Encoding.ASCII.GetBytes($"mail{i}.unwatched.example"));
            writer.AddDomain(Encoding.ASCII.GetBytes($"unwatched{i}.example.net"));
            writer.SetIssuer("/C=US/O=Let's Encrypt/CN=R3"u8);
            var json = new byte[1200 + random.Next(600)];
            random.NextBytes(json);
            json[0] = (byte)'{';
            _messages[i] = (byte[])[.. writer.Header, .. json];
        }

        _harness = new FanoutHarness(count, flushInterval: true, filtered ? Filter : null);
        _expected = 0;
        _next = 0;
    }

    [GlobalCleanup]
    public void Cleanup() => _harness.Dispose();

    [Benchmark(OperationsPerInvoke = Batch, Description = "publish 10 and deliver (per published message)")]
    public long PublishAndDeliver()
    {
        var before = _harness.SentTotal;
        for (var i = 0; i < Batch; i++)
        {
            _harness.Publish(_messages[_next]);
            _next = (_next + 1) % _messages.Length;
        }

        _harness.FlushTick();
        var routed = Clients.StartsWith("10000", StringComparison.Ordinal) ? Batch : Batch * 1_000L;
        _expected = before + routed;
        _harness.WaitSentTotal(_expected);
        return _expected;
    }

    private static StreamFilter? Filter(int client)
    {
        _ = StreamFilter.TryParse(QueryHelpers.ParseQuery($"?match=*.client{client}.example"), out var filter, out _);
        return filter;
    }
}
