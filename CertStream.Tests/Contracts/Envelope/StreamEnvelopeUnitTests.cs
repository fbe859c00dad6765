using System.Text;
using CertStream.Contracts.Envelope;

namespace CertStream.Tests.Contracts.Envelope;

public sealed class StreamEnvelopeUnitTests
{
    private static byte[] Payload(ReadOnlySpan<byte> header, string json) => [.. header, .. Encoding.UTF8.GetBytes(json)];

    [Fact]
    public void WrittenHeaderReadsBackWithTheJsonAfterIt()
    {
        var writer = new StreamEnvelopeWriter();
        writer.Reset(StreamEnvelope.KindCertificate);
        writer.AddDomain("WWW.Example.COM."u8);
        writer.AddDomain("*.bücher.de"u8);
        writer.AddDomain(""u8); // skipped
        writer.SetIssuer("/C=US/O=Let's Encrypt/CN=R3"u8);
        var payload = Payload(writer.Header, """{"message_type":"certificate_update"}""");

        Assert.Equal(StreamEnvelope.Version, payload[0]);
        Assert.Equal(writer.Header.Length, payload[3] | (payload[4] << 8));
        Assert.True(StreamEnvelope.TryRead(payload, out var envelope));
        Assert.False(envelope.IsLegacy);
        Assert.Equal(0, envelope.Kind);
        Assert.Equal(0, envelope.Flags);
        Assert.Equal("""{"message_type":"certificate_update"}""", Encoding.UTF8.GetString(envelope.Json));
        var domains = new List<string>();
        foreach (var domain in envelope.Domains)
        {
            domains.Add(Encoding.ASCII.GetString(domain));
        }

        Assert.Equal(["www.example.com", "*.xn--bcher-kva.de"], domains);
        Assert.Equal("/c=us/o=let's encrypt/cn=r3", Encoding.UTF8.GetString(envelope.Issuer));
        Assert.Equal(writer.Header.Length, StreamEnvelope.JsonOffset(payload));
    }

    [Fact]
    public void FlagsAreSetInPlace()
    {
        var writer = new StreamEnvelopeWriter();
        writer.AddDomain("a.example"u8);
        var payload = Payload(writer.Header, "{}");
        StreamEnvelope.SetFlags(payload, StreamEnvelope.FlagFirstSeen | StreamEnvelope.FlagFirstSeenJoined);
        Assert.True(StreamEnvelope.TryRead(payload, out var envelope));
        Assert.Equal(3, envelope.Flags);
        Assert.Equal("{}", Encoding.UTF8.GetString(envelope.Json));
    }

    [Fact]
    public void ALegacyPayloadIsACertificateMessageWithoutMetadata()
    {
        var payload = Encoding.UTF8.GetBytes("""{"message_type":"dns_entries","data":["a.example"]}""");
        Assert.True(StreamEnvelope.TryRead(payload, out var envelope));
        Assert.True(envelope.IsLegacy);
        Assert.Equal(0, envelope.Kind);
        Assert.Equal(0, envelope.Flags);
        Assert.True(envelope.Json.SequenceEqual(payload));
        Assert.True(envelope.Issuer.IsEmpty);
        Assert.False(envelope.Domains.MoveNext());
        Assert.Equal(0, StreamEnvelope.JsonOffset(payload));
    }

    [Fact]
    public void AFixedOnlyHeaderIsAnEventWithoutDomains()
    {
        var header = new byte[StreamEnvelope.FixedLength];
        StreamEnvelopeWriter.WriteFixed(header, StreamEnvelope.KindLogIntegrity);
        var payload = Payload(header, """{"message_type":"log_integrity"}""");
        Assert.True(StreamEnvelope.TryRead(payload, out var envelope));
        Assert.Equal(StreamEnvelope.KindLogIntegrity, envelope.Kind);
        Assert.False(envelope.Domains.MoveNext());
        Assert.True(envelope.Issuer.IsEmpty);
        Assert.Equal("""{"message_type":"log_integrity"}""", Encoding.UTF8.GetString(envelope.Json));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 2, 0, 0, 5, 0, (byte)'{', (byte)'}' })]   // unknown version
    [InlineData(new byte[] { 1, 0, 0 })]                                // truncated fixed part
    [InlineData(new byte[] { 1, 0, 0, 200, 0, (byte)'{', (byte)'}' })] // header longer than the payload
    [InlineData(new byte[] { 1, 0, 0, 3, 0, (byte)'{', (byte)'}' })]   // header shorter than its fixed part
    public void MalformedPayloadsAreRefused(byte[] payload)
    {
        Assert.False(StreamEnvelope.TryRead(payload, out _));
        Assert.Equal(-1, StreamEnvelope.JsonOffset(payload));
    }

    [Fact]
    public void ATruncatedDomainListReadsAsWhatIsWhole()
    {
        // Count says 2, one domain fits: the reader stops at the broken one and finds no issuer.
        byte[] header = [1, 0, 0, 0, 0, 2, 0, 3, (byte)'a', (byte)'.', (byte)'b', 9, (byte)'x'];
        header[3] = (byte)header.Length;
        var payload = Payload(header, "{}");
        Assert.True(StreamEnvelope.TryRead(payload, out var envelope));
        var count = 0;
        foreach (var domain in envelope.Domains)
        {
            Assert.Equal("a.b", Encoding.ASCII.GetString(domain));
            count++;
        }

        Assert.Equal(1, count);
        Assert.True(envelope.Issuer.IsEmpty);
    }

    [Fact]
    public void ThousandsOfDomainsStayWithinTheHeaderBound()
    {
        var writer = new StreamEnvelopeWriter();
        var name = new string('a', 200);
        for (var i = 0; i < 1000; i++)
        {
            writer.AddDomain(Encoding.ASCII.GetBytes($"{name}{i}.example"));
        }

        writer.SetIssuer("issuer"u8);
        var header = writer.Header;
        Assert.InRange(header.Length, 60_000, ushort.MaxValue);
        Assert.InRange(writer.DomainCount, 250, 999);
        Assert.True(StreamEnvelope.TryRead(Payload(header, "{}"), out var envelope));
        Assert.Equal("issuer", Encoding.ASCII.GetString(envelope.Issuer));
    }

    [Theory]
    [InlineData("Example.COM", "example.com")]
    [InlineData("example.com.", "example.com")]
    [InlineData("BÜCHER.de", "xn--bcher-kva.de")]
    [InlineData("*.Bücher.DE", "*.xn--bcher-kva.de")]
    [InlineData("xn--bcher-kva.de", "xn--bcher-kva.de")]
    [InlineData("例え.テスト", "xn--r8jz45g.xn--zckzah")]
    [InlineData(".", "")]
    public void DomainNamesAreLowerCaseALabels(string name, string expected) => Assert.Equal(expected, DomainNames.Normalize(name));
}
