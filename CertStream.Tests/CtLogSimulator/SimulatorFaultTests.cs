using System.Net;
using System.Text.Json;
using CertStream.CtLogSimulator;
using CertStream.CtLogSimulator.Faults;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.CtLogSimulator;

public sealed class SimulatorFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TooManyRequestsCarriesRetryAfterInSecondsThenTheLogAnswersAgain()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddRfc6962Log("limited", initialSize: 10);
        log.InjectFault(SimulatedFault.TooManyRequests(TimeSpan.FromSeconds(7)), count: 2);
        using var http = new HttpClient();

        var first = await http.FetchAsync(log.Url + "ct/v1/get-sth");
        var second = await http.FetchAsync(log.Url + "ct/v1/get-entries?start=0&end=1");
        var third = await http.FetchAsync(log.Url + "ct/v1/get-sth");

        Assert.Equal(429, first.Status);
        Assert.Equal(TimeSpan.FromSeconds(7), first.Headers.RetryAfter?.Delta);
        Assert.Equal(429, second.Status);
        Assert.Equal(200, third.Status);
        Assert.Equal(0, log.PendingFaults);
        Assert.Equal(2, log.RequestCount(SimulatedEndpoint.GetSth));
        Assert.Equal(1, log.RequestCount(SimulatedEndpoint.GetEntries));
    }

    [Fact]
    public async Task TooManyRequestsCanGiveAnHttpDateFromTheTimeProvider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        await using var sim = await SimulatedCtLogServer.StartAsync(new() { TimeProvider = time }, Ct);
        var log = sim.AddTiledLog("skylight", initialSize: 10);
        log.InjectFault(SimulatedFault.TooManyRequests(TimeSpan.FromSeconds(30), asHttpDate: true, SimulatedEndpoint.Issuer));
        using var http = new HttpClient();

        var checkpoint = await http.FetchAsync(log.Url + "checkpoint");
        var issuer = await http.FetchAsync(log.Url + "issuer/" + new string('0', 64));

        Assert.Equal(200, checkpoint.Status);
        Assert.Equal(429, issuer.Status);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 12, 0, 30, TimeSpan.Zero), issuer.Headers.RetryAfter?.Date);
        Assert.Equal("Sun, 01 Nov 2026 12:00:30 GMT", issuer.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task ServerErrorUsesTheGivenStatusForTheTargetedEndpointOnly()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddRfc6962Log("flaky", initialSize: 10);
        log.InjectFault(SimulatedFault.ServerError(503, SimulatedEndpoint.GetEntries));
        using var http = new HttpClient();

        Assert.Equal(200, (await http.FetchAsync(log.Url + "ct/v1/get-sth")).Status);
        Assert.Equal(503, (await http.FetchAsync(log.Url + "ct/v1/get-entries?start=0&end=0")).Status);
        Assert.Equal(200, (await http.FetchAsync(log.Url + "ct/v1/get-entries?start=0&end=0")).Status);
        Assert.Equal([200, 503, 200], log.Requests.Select(r => r.StatusCode));
    }

    [Fact]
    public async Task SlowResponsesTripTheClientTimeoutAndTheNextRequestIsServed()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddRfc6962Log("slow", initialSize: 10);
        log.InjectFault(SimulatedFault.Slow(TimeSpan.FromSeconds(30)));
        using var impatient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(200) };

        await Assert.ThrowsAnyAsync<TaskCanceledException>(() => impatient.GetAsync(log.Url + "ct/v1/get-sth", Ct));

        // The client may give up before its request reaches a busy server: the next request is the
        // one after the server took the fault, asked without the 200 ms limit a busy machine can miss.
        await Eventually.TrueAsync(() => log.PendingFaults == 0, TimeSpan.FromSeconds(30), "the server took the slow fault", Ct);
        using var patient = new HttpClient();
        using var ok = await patient.GetAsync(log.Url + "ct/v1/get-sth", Ct);

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task TruncatedBodiesEndTheConnectionEarly()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddRfc6962Log("cut", initialSize: 50);
        log.InjectFault(SimulatedFault.TruncatedBody());
        using var http = new HttpClient();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => http.FetchAsync(log.Url + "ct/v1/get-entries?start=0&end=9"));
        Assert.True(error is HttpRequestException or IOException, error.ToString());
        Assert.Equal(200, (await http.FetchAsync(log.Url + "ct/v1/get-entries?start=0&end=9")).Status);
    }

    [Fact]
    public async Task MalformedJsonIsACompleteResponseThatDoesNotParse()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddRfc6962Log("garbled", initialSize: 50);
        log.InjectFault(SimulatedFault.MalformedBody(SimulatedEndpoint.GetEntries));
        using var http = new HttpClient();

        var response = await http.FetchAsync(log.Url + "ct/v1/get-entries?start=0&end=9");

        Assert.Equal(200, response.Status);
        Assert.Equal(response.Body.Length, response.ContentHeaders.ContentLength);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(response.Body));
    }

    [Fact]
    public async Task StaleTreeHeadsAreSmallerAndOnlyHitTreeHeadEndpoints()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var rfc = sim.AddRfc6962Log("stale-sth", initialSize: 500);
        var tiled = sim.AddTiledLog("stale-checkpoint", initialSize: 500);
        rfc.InjectFault(SimulatedFault.StaleTreeHead(100));
        tiled.InjectFault(SimulatedFault.StaleTreeHead(300));
        using var http = new HttpClient();

        // get-entries does not take a stale-tree-head fault: it stays queued for the next get-sth.
        Assert.Equal(200, (await http.FetchAsync(rfc.Url + "ct/v1/get-entries?start=0&end=0")).Status);
        using var stale = await http.GetJsonAsync(rfc.Url + "ct/v1/get-sth");
        using var fresh = await http.GetJsonAsync(rfc.Url + "ct/v1/get-sth");
        var checkpoint = await http.GetStringAsync(tiled.Url + "checkpoint", Ct);

        Assert.Equal(400, stale.RootElement.GetProperty("tree_size").GetInt64());
        Assert.Equal(500, fresh.RootElement.GetProperty("tree_size").GetInt64());
        Assert.True(stale.RootElement.GetProperty("timestamp").GetInt64() < fresh.RootElement.GetProperty("timestamp").GetInt64());
        Assert.Equal("200", checkpoint.Split('\n')[1]);
    }

    [Fact]
    public async Task PeriodicFaultsHitEveryNthRequest()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        var log = sim.AddRfc6962Log("periodic", initialSize: 5);
        log.InjectFaultEvery(SimulatedFault.ServerError(), everyNth: 3);
        using var http = new HttpClient();

        var statuses = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await http.FetchAsync(log.Url + "ct/v1/get-sth")).Status);
        }

        Assert.Equal([200, 200, 500, 200, 200, 500], statuses);
        log.ClearFaults();
        Assert.Equal(200, (await http.FetchAsync(log.Url + "ct/v1/get-sth")).Status);
    }

    [Fact]
    public async Task TheLogListCanFailToo()
    {
        await using var sim = await SimulatedCtLogServer.StartAsync(new(), Ct);
        sim.AddRfc6962Log("listed", initialSize: 5);
        sim.InjectLogListFault(SimulatedFault.ServerError(502));
        using var http = new HttpClient();

        Assert.Equal(502, (await http.FetchAsync(sim.LogListUrl)).Status);
        Assert.Equal(200, (await http.FetchAsync(sim.LogListUrl)).Status);
        Assert.Equal(2, sim.LogListRequests);
    }
}
