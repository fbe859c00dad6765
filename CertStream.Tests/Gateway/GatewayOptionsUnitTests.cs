using CertStream.Gateway.Hosting;
using CertStream.Gateway.Options;
using CertStream.ServiceDefaults.Configuration;

namespace CertStream.Tests.Gateway;

public sealed class GatewayOptionsUnitTests
{
    [Fact]
    public void TheDefaultsAreValidAndMatchTheSpecification()
    {
        var options = new GatewayOptions();
        Assert.True(new GatewayOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(TimeSpan.FromSeconds(10), options.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.PingInterval);
        Assert.Equal(TimeSpan.FromSeconds(90), options.DeadPeerTimeout);
        Assert.Equal(SlowClientPolicy.Disconnect, options.SlowClientPolicy);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var result = new GatewayOptionsValidator().Validate(null, new GatewayOptions
        {
            PingIntervalSecs = -1,
            MaxQueueBytes = 1,
            MaxInboundMessageBytes = 10,
            FlushIntervalMs = 5000,
            SlowClientPolicy = (SlowClientPolicy)7,
        });
        Assert.True(result.Failed);
        Assert.Equal(5, result.Failures!.Count());
    }

    [Theory]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("*", "0.0.0.0")]
    [InlineData("::", "::")]
    [InlineData("localhost", "127.0.0.1")]
    [InlineData("[::1]", "::1")]
    [InlineData("10.1.2.3", "10.1.2.3")]
    public void HostsParseToListenAddresses(string host, string address) =>
        Assert.Equal(address, ListenAddress.Parse(host).ToString());

    [Fact]
    public void AHostNameIsRejectedWithTheSettingNamed() =>
        Assert.Contains("CERTSTREAM_HOST", Assert.Throws<InvalidSettingException>(() => ListenAddress.Parse("example.com")).Message);
}
