using CertStream.Contracts;
using CertStream.Gateway.Transports;

namespace CertStream.Tests.Gateway.Transports;

/// <summary>The one place stream names are read: SSE <c>stream=</c>, TCP selector byte, WebSocket and example paths.</summary>
public sealed class StreamNamesUnitTests
{
    [Theory]
    [InlineData("", StreamKind.Lite)]
    [InlineData("lite", StreamKind.Lite)]
    [InlineData("FULL", StreamKind.Full)]
    [InlineData("full-stream", StreamKind.Full)]
    [InlineData("domains", StreamKind.Domains)]
    [InlineData("Domains-Only", StreamKind.Domains)]
    public void SseValuesNameTheirStream(string value, StreamKind expected)
    {
        Assert.True(StreamNames.TryParse(value, out var kind));
        Assert.Equal(expected, kind);
    }

    [Theory]
    [InlineData("fulll")]
    [InlineData("/full-stream")]
    [InlineData(" lite")]
    public void AnythingElseIsNotAStream(string value) => Assert.False(StreamNames.TryParse(value, out _));

    [Theory]
    [InlineData('f', StreamKind.Full)]
    [InlineData('F', StreamKind.Full)]
    [InlineData('d', StreamKind.Domains)]
    [InlineData('D', StreamKind.Domains)]
    [InlineData('l', StreamKind.Lite)]
    [InlineData('\n', StreamKind.Lite)]
    [InlineData('x', StreamKind.Lite)]
    public void TheTcpSelectorByteDefaultsToLite(char selector, StreamKind expected) =>
        Assert.Equal(expected, StreamNames.FromSelector((byte)selector));

    [Theory]
    [InlineData(StreamKind.Lite, "/", "/example.json")]
    [InlineData(StreamKind.Full, "/full-stream", "/full-stream/example.json")]
    [InlineData(StreamKind.Domains, "/domains-only", "/domains-only/example.json")]
    public void EachStreamHasItsPaths(StreamKind kind, string path, string example)
    {
        Assert.Equal(path, StreamNames.Path(kind));
        Assert.Equal(example, StreamNames.ExamplePath(kind));
    }
}
