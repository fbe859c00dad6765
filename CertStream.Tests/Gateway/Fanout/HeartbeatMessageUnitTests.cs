using System.Globalization;
using System.Text;
using CertStream.Gateway.Fanout;

namespace CertStream.Tests.Gateway.Fanout;

public sealed class HeartbeatMessageUnitTests
{
    [Theory]
    [InlineData("2026-05-20T18:48:14.512Z", "1779302894.512")]
    [InlineData("2026-05-20T18:48:14.005Z", "1779302894.005")]
    [InlineData("2026-05-20T18:48:14Z", "1779302894.000")]
    public void FormatsTheWireFormatWithMillisecondSeconds(string now, string timestamp)
    {
        Span<byte> buffer = stackalloc byte[HeartbeatMessage.MaxLength];
        var length = HeartbeatMessage.Format(buffer, DateTimeOffset.Parse(now, CultureInfo.InvariantCulture));
        Assert.Equal($"{{\"message_type\":\"heartbeat\",\"timestamp\":{timestamp}}}", Encoding.UTF8.GetString(buffer[..length]));
    }
}
