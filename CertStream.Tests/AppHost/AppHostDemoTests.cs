using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace CertStream.Tests.AppHost;

/// <summary>
/// The whole system as the README's first command starts it, in demo mode: Redis (chosen
/// automatically), the CT log simulator, two ingestors, two gateways and the proxy. Clients on
/// the proxy's URL receive real certificates, served by both gateways.
/// </summary>
public sealed class AppHostDemoTests
{
    [Fact]
    public async Task ClientsOnTheProxyReceiveCertificatesFromBothGateways()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.CertStream_AppHost>(
            ["CertStream:Demo=true", "ASPIRE_VERSION_CHECK_DISABLED=true"], ct);
        await using var app = await builder.BuildAsync(ct).WaitAsync(TimeSpan.FromMinutes(1), ct);
        await app.StartAsync(ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("proxy", ct).WaitAsync(TimeSpan.FromMinutes(2), ct);

        var proxy = app.GetEndpoint("proxy", "http");
        var wsBase = new UriBuilder(proxy) { Scheme = "ws" }.Uri;
        var nodes = new HashSet<string>();
        var sockets = new List<ClientWebSocket>();
        try
        {
            // Least-requests balancing spreads concurrent clients over the gateways.
            for (var i = 0; i < 4; i++)
            {
                var socket = new ClientWebSocket();
                socket.Options.CollectHttpResponseDetails = true;
                await socket.ConnectAsync(new Uri(wsBase, "/"), ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
                if (socket.HttpResponseHeaders?.TryGetValue("X-CertStream-Node", out var node) == true)
                {
                    nodes.UnionWith(node);
                }

                sockets.Add(socket);
            }

            var domains = new List<string>();
            foreach (var socket in sockets)
            {
                var message = await ReceiveCertificateAsync(socket, ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
                Assert.Equal("certificate_update", message.GetProperty("message_type").GetString());
                var data = message.GetProperty("data");
                Assert.Contains(data.GetProperty("update_type").GetString(), new[] { "X509LogEntry", "PrecertLogEntry" });
                Assert.True(data.GetProperty("cert_index").GetInt64() >= 0);
                Assert.True(Uri.TryCreate(data.GetProperty("source").GetProperty("url").GetString(), UriKind.Absolute, out _), "source.url names the log");
                foreach (var domain in data.GetProperty("leaf_cert").GetProperty("all_domains").EnumerateArray())
                {
                    Assert.False(string.IsNullOrWhiteSpace(domain.GetString()));
                    domains.Add(domain.GetString()!);
                }
            }

            // Real recorded certificates name domains (a leaf without any would be rare, four of them no chance).
            Assert.NotEmpty(domains);

            Assert.Equal(2, nodes.Count);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Abort();
                socket.Dispose();
            }

            await app.StopAsync(ct).WaitAsync(TimeSpan.FromMinutes(1), ct);
        }
    }

    private static async Task<JsonElement> ReceiveCertificateAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[1 << 20];
        while (true)
        {
            var length = 0;
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), ct) is var r
                    ? new WebSocketReceiveResult(r.Count, r.MessageType, r.EndOfMessage)
                    : throw new InvalidOperationException();
                length += result.Count;
            }
            while (!result.EndOfMessage);

            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, length));
            if (doc.RootElement.GetProperty("message_type").GetString() == "certificate_update")
            {
                return doc.RootElement.Clone();
            }
        }
    }
}
