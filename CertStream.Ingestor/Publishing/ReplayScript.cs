namespace CertStream.Ingestor.Publishing;

/// <summary>
/// The Lua script of <see cref="ReplayPublisher"/>. KEYS: the kind's replay stream and sequence
/// counter; ARGV: the payload (envelope header and JSON, opaque here but for its last byte), the
/// channel, the stream's MAXLEN, its age limit in ms (0: none).
/// </summary>
/// <remarks>
/// The entry id is <c>&lt;ms&gt;-&lt;seq&gt;</c>: Redis's clock and the kind's counter, so that a client's
/// cursor tells how many messages it missed. Ids must grow: should the clock go back, the stream's
/// last time is kept (the counter still grows). The age trim runs every 64th message (MINID with
/// <c>~</c> drops whole nodes only, so running it more often buys nothing). The cursor goes in just
/// before the JSON's final <c>}</c>; a payload not ending with one is published as it is.
/// </remarks>
internal static class ReplayScript
{
    public const string Source = """
        local seq = redis.call('INCR', KEYS[2])
        local t = redis.call('TIME')
        local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local id = string.format('%d-%d', ms, seq)
        local added = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], id, 'm', ARGV[1])
        if type(added) == 'table' and added.err then
          local info = redis.call('XINFO', 'STREAM', KEYS[1])
          for i = 1, #info, 2 do
            if info[i] == 'last-generated-id' then
              ms = tonumber(string.match(info[i + 1], '^(%d+)'))
            end
          end
          id = string.format('%d-%d', ms, seq)
          redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], id, 'm', ARGV[1])
        end
        local age = tonumber(ARGV[4])
        if age > 0 and seq % 64 == 0 then
          redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d', ms - age))
        end
        local p = ARGV[1]
        if string.byte(p, -1) == 125 then
          p = string.sub(p, 1, -2) .. ',"cursor":"' .. id .. '"}'
        end
        return redis.call('PUBLISH', ARGV[2], p)
        """;
}
