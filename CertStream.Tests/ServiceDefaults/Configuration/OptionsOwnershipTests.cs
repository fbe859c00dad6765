using CertStream.CtLogSimulator;
using CertStream.Gateway.Options;
using CertStream.Ingestor.Options;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace CertStream.Tests.ServiceDefaults.Configuration;

/// <summary>
/// Each service binds and validates only its own settings: a setting that only the gateway uses
/// (a TLS file mounted on gateway pods) stops a gateway when it is wrong, never an ingestor.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class OptionsOwnershipTests(RedisFixture redis)
{
    private const string MissingCert = "/nonexistent/certstream-test/cert.pem";
    private const string MissingKey = "/nonexistent/certstream-test/key.pem";

    [Fact]
    public async Task AnIngestorStartsWhateverTheGatewaysTlsSettingsHold()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var logs = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        logs.AddRfc6962Log("one", initialSize: 5);

        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, logs.LogListUrl,
            new Dictionary<string, string?> { ["tls_cert"] = MissingCert, ["tls_key"] = MissingKey, ["port"] = "-1" }, ct: ct);

        using var http = new HttpClient();
        var alive = await http.GetAsync(ingestor.BaseUrl + "/alive", ct);
        Assert.True(alive.IsSuccessStatusCode);
    }

    [Fact]
    public void TheIngestorsDefaultPortIsNotOneOfTheGateways()
    {
        var ingestor = new IngestorHttpOptions().Port;
        Assert.NotEqual(new ServerOptions().Port, ingestor);
        Assert.NotEqual(new ProtocolOptions().TcpPort, ingestor);
        Assert.True(new IngestorHttpOptionsValidator().Validate(null, new IngestorHttpOptions()).Succeeded);
    }

    [Fact]
    public async Task TheGatewayStillRefusesAMissingTlsFileNamingTheKey()
    {
        var ct = TestContext.Current.CancellationToken;
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(redis.ConnectionString,
            new Dictionary<string, string?> { ["tls_cert"] = MissingCert, ["tls_key"] = MissingKey }, cancellationToken: ct));
        Assert.Contains($"tls_cert (CERTSTREAM_TLS_CERT): file '{MissingCert}'", ex.Message);
    }
}
