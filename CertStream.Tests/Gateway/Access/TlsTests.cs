using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertStream.Contracts;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Gateway.Access;

/// <summary><c>tls_cert</c>/<c>tls_key</c>: https/wss from Kestrel and TLS on the raw TCP port, with a certificate made here.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TlsTests(RedisFixture redis) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly string _dir = Directory.CreateTempSubdirectory("certstream-tls-").FullName;
    private readonly X509Certificate2 _certificate = CreateCertificate();

    public void Dispose()
    {
        _certificate.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=certstream-test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));
    }

    private bool IsOurs(X509Certificate? presented) => presented is not null && presented.GetCertHashString() == _certificate.GetCertHashString();

    private async Task<GatewayHost> StartAsync(CancellationToken ct, params (string Key, string Value)[] extra)
    {
        var certPath = Path.Combine(_dir, "tls.crt");
        var keyPath = Path.Combine(_dir, "tls.key");
        await File.WriteAllTextAsync(certPath, _certificate.ExportCertificatePem(), ct);
        await File.WriteAllTextAsync(keyPath, _certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(), ct);
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = null, // host/port with TLS, as outside Aspire
            ["port"] = "0",
            ["tls_cert"] = certPath,
            ["tls_key"] = keyPath,
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return await GatewayHost.StartAsync(redis.ConnectionString, settings, cancellationToken: ct);
    }

    [Fact]
    public async Task HttpsAndWssServeWithTheConfiguredCertificate()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await StartAsync(ct);
        Assert.Equal("https", gateway.HttpUri.Scheme);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);

        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => IsOurs(cert) };
        using var http = new HttpClient(handler);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(gateway.Http("/health"), ct)).StatusCode);

        using var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, cert, _, _) => IsOurs(cert);
        await socket.ConnectAsync(new Uri($"wss://{gateway.HttpUri.Authority}/"), ct).WaitAsync(Wait, ct);
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 1, Wait, "wss client registered", ct);
        Assert.False(gateway.Hub.AllClients().OfType<CertStream.Gateway.Transports.WebSockets.WebSocketClient>().Single().WritesDirect); // bytes must pass TLS
        var message = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, message);
        Assert.Equal(message, await AuthTests.ReceiveAsync(socket, ct));
    }

    [Fact]
    public async Task TheRawTcpPortSpeaksTlsThenAuthThenTheSelector()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await StartAsync(ct, ("auth:enabled", "true"), ("auth:tokens:0", "tls-token"));
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, gateway.TcpPort, ct);
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, cert, _, _) => IsOurs(cert));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1" }, ct).WaitAsync(Wait, ct);
        await ssl.WriteAsync("AUTH tls-token\nd"u8.ToArray(), ct);
        await Eventually.TrueAsync(() => gateway.Hub.Topic(StreamKind.Domains).Clients.Length == 1, Wait, "TLS TCP client on the domains stream", ct);
        await Eventually.TrueAsync(async () => await publisher.SubscribersAsync(StreamKind.Domains) == 1, Wait, "node subscribed", ct);

        var message = TestMessages.Create(StreamKind.Domains);
        await publisher.PublishAsync(StreamKind.Domains, message);
        var reader = new DelimitedReader(ssl, "\n"u8.ToArray());
        Assert.Equal(message, await reader.ReadAsync(ct).WaitAsync(Wait, ct));
    }
}
