using System.Net;
using System.Net.WebSockets;
using System.Text;
using CertStream.Contracts;
using CertStream.Gateway.Access;
using CertStream.Gateway.Options;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using CertStream.Tests.Gateway.Access.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace CertStream.Tests.Gateway.Access;

/// <summary>
/// <c>connection_limit:</c> across gateway nodes sharing one Redis. Each test has its own Redis
/// server, so the cluster counts start at zero.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ConnectionLimitTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30); // a deadline for a failure, never a pace
    private readonly List<IAsyncDisposable> _owned = [];
    private RedisTestServer _redis = null!;
    private ConnectionMultiplexer _client = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisTestServer.StartAsync(TestContext.Current.CancellationToken);
        _client = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        _owned.Reverse();
        foreach (var item in _owned)
        {
            await item.DisposeAsync();
        }

        await _client.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private async Task<GatewayHost> NodeAsync(int max, int perIp, double ttlSecs = 15, TimeProvider? time = null, string? redis = null, TimeSpan? shutdownTimeout = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["connection_limit:enabled"] = "true",
            ["connection_limit:max_connections"] = max.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["connection_limit:per_ip_limit"] = perIp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["connection_limit:node_ttl_secs"] = ttlSecs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (time is not null)
        {
            // The test's clients never answer pings: minutes of a test clock must not close them as dead peers.
            settings["gateway:dead_peer_timeout_secs"] = "100000";
        }

        var node = await GatewayHost.StartAsync(redis ?? _redis.ConnectionString, settings, time, TestContext.Current.CancellationToken, shutdownTimeout: shutdownTimeout);
        _owned.Add(node);
        return node;
    }

    private async Task<ClientWebSocket> OpenAsync(GatewayHost node, CancellationToken ct)
    {
        var (socket, status, _) = await AccessClients.WebSocketAsync(node.WebSocketUri("/"), ct);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        _owned.Add(new SocketCloser(socket!));
        return socket!;
    }

    private static async Task<HttpStatusCode> RefusedStatusAsync(GatewayHost node, CancellationToken ct)
    {
        var (socket, status, _) = await AccessClients.WebSocketAsync(node.WebSocketUri("/"), ct);
        socket?.Dispose();
        return status;
    }

    /// <summary>The cluster's total in Redis: the sum of the live nodes' <c>total</c> fields.</summary>
    private async Task<long> ClusterTotalAsync()
    {
        var db = _client.GetDatabase();
        long total = 0;
        foreach (var node in await db.SortedSetRangeByRankAsync(RedisNames.GatewayNodes))
        {
            total += (long?)await db.HashGetAsync(RedisNames.GatewayConnectionsKey(node!), "total") ?? 0;
        }

        return total;
    }

    [Fact]
    public async Task ThePerIpLimitRefusesWith429OnEveryTransportAndCountsReturnToZero()
    {
        var ct = TestContext.Current.CancellationToken;
        var node = await NodeAsync(max: 10, perIp: 2);
        var limiter = node.Services.GetRequiredService<ClusterConnectionLimiter>();
        var first = await OpenAsync(node, ct);
        var (http, sse) = await AccessClients.GetAsync(node.Http("/sse"), ct);
        Assert.Equal(HttpStatusCode.OK, sse.StatusCode);
        await Eventually.TrueAsync(() => node.Hub.ClientCount == 2, Wait, "two clients", ct);
        var before = await AccessClients.RefusedAsync(node, "per_ip_limit", null, ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, await RefusedStatusAsync(node, ct));
        var (http2, sse2) = await AccessClients.GetAsync(node.Http("/sse"), ct);
        using (http2)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, sse2.StatusCode);
        }

        var (tcp, reader) = await AccessClients.TcpAsync(node.TcpPort, "", ct);
        using (tcp)
        {
            Assert.StartsWith("ERROR too many connections", Encoding.UTF8.GetString((await reader.ReadAsync(ct).WaitAsync(Wait, ct))!));
            Assert.Null(await reader.ReadAsync(ct).WaitAsync(Wait, ct));
        }

        Assert.Equal(before + 3, await AccessClients.RefusedAsync(node, "per_ip_limit", null, ct));
        Assert.Equal(2, node.Hub.ClientCount);
        Assert.Equal(2, limiter.LocalCount);
        Assert.Equal(2, await ClusterTotalAsync());

        // One leaves: a place is free again; all leave: every count is back to zero.
        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
        await Eventually.TrueAsync(async () => limiter.LocalCount == 1 && await ClusterTotalAsync() == 1, Wait, "the slot is given back", ct);
        var again = await OpenAsync(node, ct);
        await again.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
        sse.Dispose();
        http.Dispose();
        await Eventually.TrueAsync(() => limiter.LocalCount == 0 && node.Hub.ClientCount == 0, Wait, "every slot given back", ct);
        await Eventually.TrueAsync(async () => await ClusterTotalAsync() == 0, Wait, "Redis counts back to zero", ct);
        var fields = await _client.GetDatabase().HashGetAllAsync(RedisNames.GatewayConnectionsKey(limiter.NodeId));
        Assert.Empty(fields); // no per-IP field left behind either
    }

    [Fact]
    public async Task TheTotalLimitHoldsAcrossTwoNodesAndRefusesWith503()
    {
        var ct = TestContext.Current.CancellationToken;
        var a = await NodeAsync(max: 3, perIp: 0);
        var b = await NodeAsync(max: 3, perIp: 0);
        var onA = await OpenAsync(a, ct);
        await OpenAsync(a, ct);
        await OpenAsync(b, ct);
        var before = await AccessClients.RefusedAsync(b, "max_connections", null, ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusedStatusAsync(b, ct));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusedStatusAsync(a, ct));
        var (tcp, reader) = await AccessClients.TcpAsync(b.TcpPort, "", ct);
        using (tcp)
        {
            Assert.StartsWith("ERROR server at its connection limit", Encoding.UTF8.GetString((await reader.ReadAsync(ct).WaitAsync(Wait, ct))!));
        }

        Assert.Equal(3, await ClusterTotalAsync());
        Assert.Equal(3, a.Hub.ClientCount + b.Hub.ClientCount);

        // A place freed on one node is usable on the other.
        await onA.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
        await Eventually.TrueAsync(async () => await ClusterTotalAsync() == 2, Wait, "the slot is given back in Redis", ct);
        await OpenAsync(b, ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusedStatusAsync(b, ct));
    }

    [Fact]
    public async Task ACrashedNodesConnectionsStopCountingWithinTheNodeTtl()
    {
        var ct = TestContext.Current.CancellationToken;
        // Both nodes run on the test's clock: heartbeats fire and expiry scores move only when it is
        // advanced. The TTL is long in real time as well (Redis expires a node's hash on its own clock).
        var time = new FakeTimeProvider();
        var ttl = TimeSpan.FromSeconds(120);
        var a = await NodeAsync(max: 2, perIp: 0, ttlSecs: ttl.TotalSeconds, time: time);
        var b = await NodeAsync(max: 2, perIp: 0, ttlSecs: ttl.TotalSeconds, time: time);
        var crashing = a.Services.GetRequiredService<ClusterConnectionLimiter>();
        await OpenAsync(a, ct);
        await OpenAsync(a, ct);

        // Heartbeats (every third of the TTL) keep a live node's counts well past the TTL.
        for (var beat = 0; beat < 5; beat++)
        {
            time.Advance(ttl / 3);
            var expiry = (time.GetUtcNow() + ttl).ToUnixTimeMilliseconds();
            await Eventually.TrueAsync(async () => await _client.GetDatabase().SortedSetScoreAsync(RedisNames.GatewayNodes, crashing.NodeId) == expiry,
                Wait, "a's heartbeat pushed its expiry on", ct);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusedStatusAsync(b, ct));

        // Node a "crashes": it writes nothing more to Redis (no heartbeat, no release, no cleanup).
        // Its connections count until its last heartbeat's TTL has run out, and not after.
        crashing.Abandon();
        time.Advance(ttl - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusedStatusAsync(b, ct));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await RefusedStatusAsync(b, ct));

        // The admission that found a's entry expired also took it out of the node list.
        Assert.Null(await _client.GetDatabase().SortedSetRankAsync(RedisNames.GatewayNodes, crashing.NodeId));

        // b alone now has the whole cluster's room once the probe above has given its place back.
        await Eventually.TrueAsync(async () => await ClusterTotalAsync() == 0, Wait, "the probe's place given back", ct);
        await OpenAsync(b, ct);
        await OpenAsync(b, ct);
        Assert.Equal(2, await ClusterTotalAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusedStatusAsync(b, ct));
    }

    [Fact]
    public async Task WithoutRedisANodeEnforcesTheLimitsOnItsOwnCountsAndResyncsAfterwards()
    {
        var ct = TestContext.Current.CancellationToken;
        // Commands wait ten minutes for Redis here: a node that asked Redis while it is down would
        // leave its clients waiting far past the deadlines below. (Not syncTimeout: connectTimeout and
        // the reconnect backoff default to it.)
        var node = await NodeAsync(max: 2, perIp: 0, ttlSecs: 1.5, redis: _redis.ConnectionString + ",asyncTimeout=600000,connectTimeout=5000");
        var limiter = node.Services.GetRequiredService<ClusterConnectionLimiter>();
        var multiplexer = node.Services.GetRequiredService<IConnectionMultiplexer>();
        await OpenAsync(node, ct);
        await _redis.StopAsync();
        await Eventually.TrueAsync(() => !multiplexer.IsConnected, Wait, "the node sees Redis gone", ct);

        // Answered from the node's own counts, not after a Redis timeout.
        await OpenAsync(node, ct).WaitAsync(Wait, ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusedStatusAsync(node, ct).WaitAsync(Wait, ct));
        Assert.Equal(2, limiter.LocalCount);

        // Redis comes back empty: the heartbeat writes this node's true counts again.
        await _redis.StartAgainAsync(ct);
        await Eventually.TrueAsync(async () => _client.IsConnected && await ClusterTotalAsync() == 2, TimeSpan.FromSeconds(30), "counts rewritten to Redis", ct);
    }

    [Fact]
    public async Task AStoppedNodeTakesItsCountsOutOfRedisAtOnceEvenAfterASlowDrain()
    {
        var ct = TestContext.Current.CancellationToken;
        // The test's clock: no heartbeat runs unless advanced, so none can write the node back after
        // its stop. The client never answers the close (nothing reads it), so the stop waits out the
        // shutdown timeout before the node leaves: the host's stop token is spent by then.
        var node = await NodeAsync(max: 10, perIp: 0, time: new FakeTimeProvider(), shutdownTimeout: TimeSpan.FromSeconds(1));
        var limiter = node.Services.GetRequiredService<ClusterConnectionLimiter>();
        var db = _client.GetDatabase();
        await OpenAsync(node, ct);
        Assert.NotNull(await db.SortedSetRankAsync(RedisNames.GatewayNodes, limiter.NodeId));
        Assert.Equal(1, await ClusterTotalAsync());

        await node.StopAsync();

        // Not left to expire after node_ttl_secs: gone when the stop returns.
        Assert.Null(await db.SortedSetRankAsync(RedisNames.GatewayNodes, limiter.NodeId));
        Assert.False(await db.KeyExistsAsync(RedisNames.GatewayConnectionsKey(limiter.NodeId)));
    }

    [Fact]
    public void PerIpAboveTheTotalIsAnErrorNamingBothKeys()
    {
        var result = new ConnectionLimitOptionsValidator().Validate(null, new ConnectionLimitOptions { MaxConnections = 5, PerIpLimit = 6 });
        Assert.True(result.Failed);
        Assert.Contains("connection_limit:per_ip_limit", result.FailureMessage);
        Assert.Contains("connection_limit:max_connections", result.FailureMessage);
    }

    private sealed class SocketCloser(ClientWebSocket socket) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            socket.Abort();
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
