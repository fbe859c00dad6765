using CertStream.Gateway.Options;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Hosting;

/// <summary>Applies <c>gateway:inline_io</c> to Kestrel's socket transport.</summary>
internal sealed class SocketTransportSetup(IOptions<GatewayOptions> gateway) : IConfigureOptions<SocketTransportOptions>
{
    public void Configure(SocketTransportOptions options) => options.UnsafePreferInlineScheduling = gateway.Value.InlineIo;
}
