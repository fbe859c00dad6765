using System.Diagnostics.Metrics;
using System.Text;
using CertStream.Contracts;
using CertStream.Contracts.Envelope;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Fanout.Filtering;
using CertStream.Gateway.Options;
using CertStream.Gateway.Telemetry;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CertStream.Tests.Gateway.Fanout.Filtering;

/// <summary>Which messages the stream's filter index puts into which filtered client's ring (no sockets: the rings are read directly).</summary>
public sealed class FilterIndexUnitTests : IDisposable
{
    private readonly ServiceProvider _provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ClientServices _services;
    private readonly StreamTopic _topic;
    private int _id;

    public FilterIndexUnitTests()
    {
        var metrics = new GatewayMetrics(_provider.GetRequiredService<IMeterFactory>());
        _services = new ClientServices(new GatewayOptions(), 1000, TimeProvider.System, metrics, NullLogger.Instance);
        _topic = new StreamTopic(StreamKind.Lite, null!, _services, flushScheduler: null);
    }

    public void Dispose() => _provider.Dispose();

    private IdleClient Client(string? query)
    {
        StreamFilter? filter = null;
        if (query is not null)
        {
            Assert.True(StreamFilter.TryParse(QueryHelpers.ParseQuery(query), out filter, out var error), error);
        }

        var client = new IdleClient(_topic, _services) { Filter = filter };
        _topic.Attach(client);
        return client;
    }

    /// <summary>Publishes a certificate message with these names and issuer; returns its JSON (unique).</summary>
    private string Publish(string[] domains, string issuer = "/O=Test CA", byte flags = 0, byte kind = StreamEnvelope.KindCertificate)
    {
        var writer = new StreamEnvelopeWriter();
        writer.Reset(kind);
        foreach (var domain in domains)
        {
            writer.AddDomain(Encoding.UTF8.GetBytes(domain));
        }

        writer.SetIssuer(Encoding.UTF8.GetBytes(issuer));
        var json = $"{{\"id\":{++_id}}}";
        byte[] payload = [.. writer.Header, .. Encoding.UTF8.GetBytes(json)];
        StreamEnvelope.SetFlags(payload, flags);
        _topic.Deliver(payload);
        return json;
    }

    private static List<string> Received(ClientConnection client)
    {
        var cursor = 0L;
        var into = new RingEntry?[64];
        var count = client.Ring.Read(ref cursor, into, long.MaxValue);
        return [.. into.Take(count).Select(e => Encoding.UTF8.GetString(e!.Json.Span))];
    }

    [Fact]
    public void WildcardExactAndSuffixPatternsMatchWhatTheySay()
    {
        var wildcard = Client("?match=*.example.com");
        var exact = Client("?match=example.com");
        var suffix = Client("?match=.example.com");
        var apex = Publish(["example.com"]);
        var sub = Publish(["www.example.com"]);
        var deep = Publish(["a.b.example.com"]);
        var wildcardCert = Publish(["*.example.com"]);
        Publish(["notexample.com", "example.com.evil.org", "example.org"]);

        Assert.Equal([sub, deep, wildcardCert], Received(wildcard));
        Assert.Equal([apex], Received(exact));
        Assert.Equal([apex, sub, deep, wildcardCert], Received(suffix));
    }

    [Fact]
    public void CaseAndUnicodeAreNormalisedOnBothSides()
    {
        var unicode = Client("?match=*.BÜCHER.de");
        var punycode = Client("?match=shop.xn--bcher-kva.de");
        var upper = Publish(["WWW.Bücher.DE"]);
        var ascii = Publish(["shop.xn--bcher-kva.de"]);
        Assert.Equal([upper, ascii], Received(unicode));
        Assert.Equal([ascii], Received(punycode));
    }

    [Fact]
    public void AMessageMatchedByManyNamesIsQueuedOnce()
    {
        var client = Client("?match=.example.com,other.example.net");
        var message = Publish(["example.com", "a.example.com", "b.example.com", "other.example.net"]);
        Assert.Equal([message], Received(client));
    }

    [Fact]
    public void IssuerAloneAndWithPatterns()
    {
        var issuerOnly = Client("?issuer=let's encrypt");
        var both = Client("?match=.example.com&issuer=Encrypt");
        var le = Publish(["www.example.com"], "/C=US/O=Let's Encrypt/CN=R3");
        var leElsewhere = Publish(["www.example.org"], "/C=US/O=Let's Encrypt/CN=R3");
        Publish(["www.example.com"], "/C=US/O=DigiCert Inc/CN=DigiCert TLS");
        Assert.Equal([le, leElsewhere], Received(issuerOnly));
        Assert.Equal([le], Received(both));
    }

    [Fact]
    public void DedupClientsGetOnlyFlaggedFirstSightings()
    {
        var exact = Client("?dedup=1");
        var joined = Client("?dedup=joined");
        var both = Publish(["a.example"], flags: 3);
        var certificateOnly = Publish(["b.example"], flags: StreamEnvelope.FlagFirstSeen); // a final cert whose precert came first
        Publish(["c.example"], flags: 0); // a repeat from another log
        Assert.Equal([both, certificateOnly], Received(exact));
        Assert.Equal([both], Received(joined));
    }

    [Fact]
    public void EventsReachOnlyClientsThatOptedIn()
    {
        var plain = Client(null);
        var optedIn = Client("?events=log_integrity");
        var filteredOptedIn = Client("?match=nothing.example&events=log_integrity");
        var certificate = Publish(["a.example"]);
        var integrity = Publish([], kind: StreamEnvelope.KindLogIntegrity);

        Assert.Equal(1, _topic.Ring.Count); // the event never enters the shared ring
        Assert.Equal([certificate, integrity], Received(optedIn));
        Assert.Equal([integrity], Received(filteredOptedIn));
        Assert.Same(_topic.Ring, plain.Ring);
    }

    [Fact]
    public void LegacyPayloadsReachUnfilteredAndUnindexedClientsButNoNameFilter()
    {
        var events = Client("?events=log_integrity");
        var named = Client("?match=.example.com");
        var legacy = """{"message_type":"certificate_update","data":{"leaf_cert":{"all_domains":["www.example.com"]}}}""";
        _topic.Deliver(Encoding.UTF8.GetBytes(legacy));
        Assert.Equal([legacy], Received(events));
        Assert.Empty(Received(named)); // a legacy payload carries no names to match
        Assert.Equal(1, _topic.Ring.Count);
    }

    [Fact]
    public void ALeavingClientIsNoLongerRouted()
    {
        var client = Client("?match=a.example");
        Publish(["a.example"]);
        _ = _topic.RemoveAsync(client);
        Publish(["a.example"]);
        Assert.Single(Received(client));
        Assert.Equal(0, _topic.Filters.Count);
    }

    /// <summary>A client whose send loop never runs: what is routed to it stays in its ring.</summary>
    private sealed class IdleClient(StreamTopic topic, ClientServices services)
        : ClientConnection(topic, TransportProtocol.WebSocket, "idle", services)
    {
        protected override void WriteMessage(ReadOnlySpan<byte> json)
        {
        }

        protected override ValueTask<bool> FlushAsync() => new(true);

        protected override void Abort()
        {
        }

        protected override Task CloseTransportAsync(DisconnectReason reason) => Task.CompletedTask;
    }
}
