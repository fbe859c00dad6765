using CertStream.Gateway.Options;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Hosting;

/// <summary>Applies <c>gateway:inline_io</c> to Kestrel's socket transport and bounds its per-connection output buffer.</summary>
internal sealed class SocketTransportSetup(IOptions<GatewayOptions> gateway) : IConfigureOptions<SocketTransportOptions>
{
    /// <summary>
    /// Bytes the transport holds for a connection whose socket is full before a write waits
    /// (default 64 KiB). It, not Kestrel's MaxResponseBufferSize, bounds an upgraded connection:
    /// a gcdump of 1,000 clients, a fifth of them slow readers, found ~86 KiB of pooled blocks
    /// per connection. A client that keeps up never fills it; one that does not waits on the
    /// kernel's socket buffer anyway.
    /// </summary>
    internal const int MaxWriteBufferSize = 16 * 1024;

    public void Configure(SocketTransportOptions options)
    {
        options.UnsafePreferInlineScheduling = gateway.Value.InlineIo;
        options.MaxWriteBufferSize = MaxWriteBufferSize;
    }
}
