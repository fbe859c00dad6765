using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using CertStream.Contracts;
using CertStream.CtLogSimulator;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using StackExchange.Redis;

namespace CertStream.Tests.Gateway.Api;

/// <summary>
/// <c>/api/cert/{hash}</c> over real sockets: the real ingestor stores what it publishes, bounded by
/// size and age, and a real gateway finds it by SHA-256 or SHA-1 in any spelling.
/// </summary>
public sealed class CertLookupApiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FindsARecentCertificateBySha256OrSha1InAnySpellingAsItsFullMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisTestServer.StartAsync(ct);
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var log = sim.AddRfc6962Log("lookup", initialSize: 12);
        await StatusApiTests.StartFromZeroAsync(redis.ConnectionString, log);
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);
        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, ct: ct);
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        using var http = new HttpClient { BaseAddress = gateway.HttpUri };
        await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 12, Patience, "the log published", ct);

        var der = log.GetExpectedLeafDer(7);
        var sha256 = SHA256.HashData(der.Span);
        var sha1 = SHA1.HashData(der.Span);
        using var found = await EventuallyFoundAsync(http, Convert.ToHexString(sha256), ct); // upper case, no colons

        var data = found.RootElement.GetProperty("data");
        Assert.Equal("certificate_update", found.RootElement.GetProperty("message_type").GetString());
        Assert.Equal(7, data.GetProperty("cert_index").GetInt64());
        Assert.Equal(Colons(sha256), data.GetProperty("leaf_cert").GetProperty("sha256").GetString());
        Assert.True(data.GetProperty("leaf_cert").TryGetProperty("as_der", out _), "the full stream's message");
        Assert.Equal(JsonValueKind.Array, data.GetProperty("chain").ValueKind);

        foreach (var spelling in new[] { Colons(sha256).ToLowerInvariant(), Colons(sha1), Convert.ToHexStringLower(sha1), Colons(sha1).ToLowerInvariant() })
        {
            using var response = await http.GetAsync("/api/cert/" + spelling, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            using var same = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            Assert.Equal(7, same.RootElement.GetProperty("data").GetProperty("cert_index").GetInt64());
        }

        // Never seen: 404. Not a hash: 400.
        using (var missing = await http.GetAsync("/api/cert/" + new string('a', 64), ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains("error", await missing.Content.ReadAsStringAsync(ct));
        }

        using (var missingSha1 = await http.GetAsync("/api/cert/" + new string('B', 40), ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, missingSha1.StatusCode);
        }

        foreach (var malformed in new[] { "xyz", new string('a', 63), new string('a', 65), "zz" + new string('a', 62), "12:34", Convert.ToHexString(sha256) + "00" })
        {
            using var bad = await http.GetAsync("/api/cert/" + malformed, ct);
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"{malformed}: {bad.StatusCode}");
        }
    }

    [Fact]
    public async Task KeepsAtMostMaxCertificatesTheNewestAndNoneOlderThanMaxAge()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisTestServer.StartAsync(ct);
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var log = sim.AddRfc6962Log("bounded", initialSize: 20);
        await StatusApiTests.StartFromZeroAsync(redis.ConnectionString, log);
        await using var recorder = await StreamRecorder.StartAsync(redis.ConnectionString);
        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl,
            new Dictionary<string, string?> { ["cert_store:max_certificates"] = "5" }, ct: ct);
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        using var http = new HttpClient { BaseAddress = gateway.HttpUri };
        await recorder.WaitForAsync(() => recorder.For(log.Url).Count >= 20, Patience, "the log published", ct);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = mux.GetDatabase();
        var newest = SHA256.HashData(log.GetExpectedLeafDer(19).Span);
        using (await EventuallyFoundAsync(http, Convert.ToHexString(newest), ct))
        {
        }

        // The size bound: the index and the keys hold 5, the newest 5 (indices 15-19), in the order they were stored.
        Assert.Equal(5, await db.SortedSetLengthAsync(RedisNames.CertIndex));
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        Assert.Equal(10, server.Keys(pattern: RedisNames.CertKeyPrefix + "*").Count()); // 5 messages, 5 SHA-1 pointers
        for (var i = 0; i < 20; i++)
        {
            var hash = Convert.ToHexString(SHA256.HashData(log.GetExpectedLeafDer(i).Span));
            using var response = await http.GetAsync("/api/cert/" + hash, ct);
            Assert.True((i >= 15 ? HttpStatusCode.OK : HttpStatusCode.NotFound) == response.StatusCode, $"index {i}: {response.StatusCode}");
        }

        // The age bound: every key carries the default max age (1 h) as its TTL.
        foreach (var key in server.Keys(pattern: RedisNames.CertKeyPrefix + "*"))
        {
            var ttl = await db.KeyTimeToLiveAsync(key);
            Assert.True(ttl is { } t && t > TimeSpan.Zero && t <= TimeSpan.FromHours(1), $"{key}: TTL {ttl}");
        }
    }

    [Fact]
    public async Task ACertificateOlderThanMaxAgeIsGone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisTestServer.StartAsync(ct);
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var log = sim.AddRfc6962Log("aged", initialSize: 3);
        await StatusApiTests.StartFromZeroAsync(redis.ConnectionString, log);
        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl,
            new Dictionary<string, string?> { ["cert_store:max_age_secs"] = "1" }, ct: ct);
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, cancellationToken: ct);
        using var http = new HttpClient { BaseAddress = gateway.HttpUri };
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var key = RedisNames.CertKey(Convert.ToHexStringLower(SHA256.HashData(log.GetExpectedLeafDer(2).Span)));

        // Stored with a TTL of at most the max age (seen while it lives: the wait is on Redis, not on a clock)...
        await Eventually.TrueAsync(async () => await mux.GetDatabase().KeyTimeToLiveAsync(key) is { } ttl && ttl > TimeSpan.Zero,
            Patience, "the certificate stored with a TTL", ct);
        Assert.True(await mux.GetDatabase().KeyTimeToLiveAsync(key) is not { } left || left <= TimeSpan.FromSeconds(1));

        // ...and gone after it, from the API too.
        await Eventually.TrueAsync(async () =>
        {
            using var response = await http.GetAsync("/api/cert/" + key[RedisNames.CertKeyPrefix.Length..], ct);
            return response.StatusCode == HttpStatusCode.NotFound;
        }, Patience, "the certificate gone after max_age_secs", ct);
    }

    private static async Task<JsonDocument> EventuallyFoundAsync(HttpClient http, string hash, CancellationToken ct)
    {
        JsonDocument? found = null;
        await Eventually.TrueAsync(async () =>
        {
            using var response = await http.GetAsync("/api/cert/" + hash, ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode); // stored a moment after it is published
                return false;
            }

            found = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return true;
        }, Patience, $"certificate {hash} stored", ct);
        return found!;
    }

    private static string Colons(byte[] hash) => string.Join(':', Convert.ToHexString(hash).Chunk(2).Select(c => new string(c)));
}
