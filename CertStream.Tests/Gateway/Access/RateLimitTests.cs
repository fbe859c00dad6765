using System.Net;
using System.Text;
using CertStream.Gateway.Access;
using CertStream.Gateway.Options;
using CertStream.ServiceDefaults.Configuration;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using CertStream.Tests.Gateway.Access.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.Gateway.Access;

/// <summary><c>rate_limit:</c>: a token bucket per client IP, on HTTP requests and TCP connections.</summary>
[Collection(GatewayCollection.Name)]
public sealed class RateLimitTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static ClientRateLimiter Limiter(FakeTimeProvider time, double perSecond, int burst) =>
        new(new ReloadableOptions<RateLimitOptions>(new ConfigurationBuilder().Build(),
            Microsoft.Extensions.Options.Options.Create(new RateLimitOptions { Enabled = true, PerSecond = perSecond, BurstSize = burst }),
            [new RateLimitOptionsValidator()], RateLimitOptions.Section), time);

    [Fact]
    public void TheBucketAllowsTheBurstThenRefillsAtTheRate()
    {
        var time = new FakeTimeProvider();
        using var limiter = Limiter(time, perSecond: 2, burst: 3);
        var a = IPAddress.Parse("203.0.113.1");
        for (var i = 0; i < 3; i++)
        {
            Assert.True(limiter.TryAcquire(a, out _));
        }

        Assert.False(limiter.TryAcquire(a, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(0.5), retryAfter);
        Assert.True(limiter.TryAcquire(IPAddress.Parse("203.0.113.2"), out _)); // another client has its own bucket

        time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.True(limiter.TryAcquire(a, out _));
        Assert.False(limiter.TryAcquire(a, out _));
    }

    [Fact]
    public void IdleBucketsAreEvicted()
    {
        var time = new FakeTimeProvider();
        using var limiter = Limiter(time, perSecond: 10, burst: 5);
        for (var i = 0; i < 100; i++)
        {
            limiter.TryAcquire(new IPAddress([10, 0, 0, (byte)i]), out _);
        }

        Assert.Equal(100, limiter.TrackedCount);
        time.Advance(TimeSpan.FromMilliseconds(50)); // half a token back: not full yet
        limiter.Sweep();
        Assert.Equal(100, limiter.TrackedCount);
        time.Advance(TimeSpan.FromMinutes(1)); // the periodic sweep finds them full again
        Assert.Equal(0, limiter.TrackedCount);
    }

    [Fact]
    public async Task ExcessRequestsAndConnectionsGet429WithRetryAfter()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["rate_limit:enabled"] = "true",
            ["rate_limit:per_second"] = "0.2",
            ["rate_limit:burst_size"] = "2",
        }, cancellationToken: ct);
        var before = await AccessClients.RefusedAsync(gateway, "rate_limited", null, ct);

        var (socket, status, _) = await AccessClients.WebSocketAsync(gateway.WebSocketUri("/"), ct);
        socket?.Dispose();
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await AccessClients.StatusAsync(gateway.Http("/example.json"), ct)).StatusCode);

        var refused = await AccessClients.StatusAsync(gateway.Http("/example.json"), ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 5);

        var (_, wsStatus, headers) = await AccessClients.WebSocketAsync(gateway.WebSocketUri("/"), ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, wsStatus);
        Assert.True(headers!.ContainsKey("Retry-After"));

        var (tcp, reader) = await AccessClients.TcpAsync(gateway.TcpPort, "", ct);
        using (tcp)
        {
            Assert.StartsWith("ERROR rate limited", Encoding.UTF8.GetString((await reader.ReadAsync(ct).WaitAsync(Wait, ct))!));
            Assert.Null(await reader.ReadAsync(ct).WaitAsync(Wait, ct));
        }

        // Health checks are never limited; nothing was left registered.
        Assert.Equal(HttpStatusCode.OK, (await AccessClients.StatusAsync(gateway.Http("/health"), ct)).StatusCode);
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 0, Wait, "the accepted WebSocket left", ct);
        Assert.Equal(before + 3, await AccessClients.RefusedAsync(gateway, "rate_limited", null, ct));
    }
}
