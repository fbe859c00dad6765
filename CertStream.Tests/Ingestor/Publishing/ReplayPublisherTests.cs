using System.Text;
using CertStream.Contracts;
using CertStream.Ingestor.Options;
using CertStream.Ingestor.Publishing;
using CertStream.ServiceDefaults.Configuration;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace CertStream.Tests.Ingestor.Publishing;

/// <summary>
/// The replay script against a real Redis: the stream keeps the payload under the cursor, subscribers
/// get it with the cursor as the last JSON field whatever precedes the JSON (the envelope header),
/// sequence numbers count every message, and the receiver count is PUBLISH's.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ReplayPublisherTests(RedisFixture redis)
{
    [Fact]
    public async Task EachMessageIsStoredUnderItsCursorAndPublishedWithIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = mux.GetDatabase();
        await db.KeyDeleteAsync([RedisNames.ReplayStream(StreamKind.Domains), RedisNames.ReplaySequence(StreamKind.Domains)]);
        var received = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        var queue = await mux.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisNames.StreamChannel(StreamKind.Domains)));
        queue.OnMessage(m => received.Writer.TryWrite((byte[])m.Message!));
        var publisher = new ReplayPublisher(mux, Microsoft.Extensions.Options.Options.Create(new ReplayOptions()), TimeProvider.System, NullLogger<ReplayPublisher>.Instance);

        // An envelope header (binary, any bytes) before the JSON, as the ingestor sends it.
        byte[] header = [0x01, 0x00, 0x03, 0x07, 0x00, 0xFF, 0x7D];
        var json = "{\"message_type\":\"dns_entries\",\"data\":[\"a.example\"]}"u8.ToArray();
        Assert.True(await publisher.PublishAsync(StreamKind.Domains, (byte[])[.. header, .. json]) >= 1); // our subscriber at least
        Assert.True(await publisher.PublishAsync(StreamKind.Domains, json) >= 1);

        var entries = await db.StreamRangeAsync(RedisNames.ReplayStream(StreamKind.Domains));
        Assert.Equal(2, entries.Length);
        var cursors = entries.Select(e => { Assert.True(StreamCursor.TryParse((string)e.Id!, out var c)); return c; }).ToArray();
        Assert.Equal([1L, 2L], cursors.Select(c => c.Sequence));
        Assert.Equal([.. header, .. json], (byte[])entries[0][RedisNames.ReplayPayloadField]!);
        Assert.Equal(json, (byte[])entries[1][RedisNames.ReplayPayloadField]!);

        var first = await received.Reader.ReadAsync(ct);
        Assert.Equal(header, first[..header.Length]);
        Assert.Equal($"{{\"message_type\":\"dns_entries\",\"data\":[\"a.example\"],\"cursor\":\"{entries[0].Id}\"}}", Encoding.UTF8.GetString(first[header.Length..]));
        Assert.True(StreamCursor.TryFindInMessage(first, out _, out var found));
        Assert.Equal(cursors[0], found);
        var second = await received.Reader.ReadAsync(ct);
        Assert.True(StreamCursor.TryFindInMessage(second, out _, out found));
        Assert.Equal(cursors[1], found);
    }

    [Fact]
    public async Task AScriptErrorFailsThatPublishThenPlainPublishKeepsTheStreamGoingUntilTheScriptIsTriedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = mux.GetDatabase();
        var stream = RedisNames.ReplayStream(StreamKind.Domains);
        await db.KeyDeleteAsync([stream, RedisNames.ReplaySequence(StreamKind.Domains)]);
        await db.StringSetAsync(stream, "not a stream"); // XADD fails: WRONGTYPE
        var received = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        var queue = await mux.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisNames.StreamChannel(StreamKind.Domains)));
        queue.OnMessage(m => received.Writer.TryWrite((byte[])m.Message!));
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var publisher = new ReplayPublisher(mux, Microsoft.Extensions.Options.Options.Create(new ReplayOptions()), time, NullLogger<ReplayPublisher>.Instance);
        var json = "{\"message_type\":\"dns_entries\",\"data\":[]}"u8.ToArray();

        await Assert.ThrowsAsync<RedisServerException>(() => publisher.PublishAsync(StreamKind.Domains, json));
        Assert.True(await publisher.PublishAsync(StreamKind.Domains, json) >= 1); // the retry: plain PUBLISH
        Assert.Equal(json, await received.Reader.ReadAsync(ct));

        await db.KeyDeleteAsync(stream);
        time.Advance(ReplayPublisher.FallbackPeriod);
        Assert.True(await publisher.PublishAsync(StreamKind.Domains, json) >= 1);
        Assert.True(StreamCursor.TryFindInMessage(await received.Reader.ReadAsync(ct), out _, out _), "the script is used again");
    }

    [Fact]
    public void TheValidatorNamesEachBadKeyAndTheVariablesMapToTheReplaySection()
    {
        var result = new ReplayOptionsValidator().Validate(null, new ReplayOptions { MaxEntries = 0, FullMaxEntries = -1, MaxAgeSecs = -1 });
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("replay:max_entries (CERTSTREAM_REPLAY_MAX_ENTRIES)", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("replay:full_max_entries (CERTSTREAM_REPLAY_FULL_MAX_ENTRIES)", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("replay:max_age_secs (CERTSTREAM_REPLAY_MAX_AGE_SECS)", StringComparison.Ordinal));
        Assert.True(new ReplayOptionsValidator().Validate(null, new ReplayOptions()).Succeeded);
        Assert.Equal("replay:enabled", CertStreamEnvironmentVariables.Keys["CERTSTREAM_REPLAY_ENABLED"]);
        Assert.Equal("replay:max_age_secs", CertStreamEnvironmentVariables.Keys["CERTSTREAM_REPLAY_MAX_AGE_SECS"]);
    }
}
