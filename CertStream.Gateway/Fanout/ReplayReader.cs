using CertStream.Contracts;
using StackExchange.Redis;

namespace CertStream.Gateway.Fanout;

/// <summary>
/// Reads a stream kind's replay buffer (<see cref="RedisNames.ReplayStream"/>, written by the
/// ingestors) one page at a time: what follows a cursor, oldest first, never the whole buffer.
/// </summary>
internal sealed class ReplayReader(IConnectionMultiplexer redis)
{
    /// <summary>Up to <paramref name="count"/> entries strictly after <paramref name="after"/> (XRANGE with an exclusive start).</summary>
    public Task<StreamEntry[]> ReadAfterAsync(StreamKind kind, StreamCursor after, int count) =>
        redis.GetDatabase().StreamRangeAsync(RedisNames.ReplayStream(kind), "(" + after, "+", count);
}
