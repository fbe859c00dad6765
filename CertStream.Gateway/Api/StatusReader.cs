using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CertStream.Contracts;
using CertStream.Contracts.Status;
using StackExchange.Redis;

namespace CertStream.Gateway.Api;

/// <summary>Reads the reports the ingestors and gateways keep in Redis: the live members of a set, then their reports in one MGET.</summary>
internal sealed class StatusReader(IConnectionMultiplexer redis, TimeProvider time)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    public Task<List<IngestorStatusReport>> IngestorsAsync(CancellationToken ct) =>
        ReadAsync(RedisNames.IngestorStatusSet, RedisNames.IngestorStatusKey, StatusJson.Default.IngestorStatusReport, ct);

    public Task<List<GatewayStatusReport>> GatewaysAsync(CancellationToken ct) =>
        ReadAsync(RedisNames.GatewayStatusSet, RedisNames.GatewayStatusKey, StatusJson.Default.GatewayStatusReport, ct);

    private async Task<List<T>> ReadAsync<T>(string set, Func<string, string> key, JsonTypeInfo<T> json, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var members = await db.SortedSetRangeByScoreAsync(set, now, double.PositiveInfinity).WaitAsync(ReadTimeout, time, ct);
        var reports = new List<T>(members.Length);
        if (members.Length == 0)
        {
            return reports;
        }

        var values = await db.StringGetAsync([.. members.Select(m => (RedisKey)key(m.ToString()))]).WaitAsync(ReadTimeout, time, ct);
        foreach (var value in values)
        {
            if (value.IsNull)
            {
                continue; // expired between the two reads
            }

            try
            {
                if (JsonSerializer.Deserialize(((ReadOnlyMemory<byte>)value).Span, json) is { } report)
                {
                    reports.Add(report);
                }
            }
            catch (JsonException)
            {
                // A report from a newer or broken writer: left out rather than failing the whole answer.
            }
        }

        return reports;
    }
}
