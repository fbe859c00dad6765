using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace CertStream.ServiceDefaults.Redis;

/// <summary>
/// Unhealthy while the service cannot reach Redis (a gateway then has nothing to forward, an
/// ingestor nowhere to publish or keep its cursors), so readiness is 503. Answers at
/// once from the multiplexer's connection state, and pings only when connected, with a short
/// timeout, so /health never hangs on a dead Redis.
/// </summary>
internal sealed class RedisHealthCheck(IConnectionMultiplexer redis, TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConnected)
        {
            return HealthCheckResult.Unhealthy("not connected to Redis");
        }

        try
        {
            var rtt = await redis.GetDatabase().PingAsync().WaitAsync(PingTimeout, time, cancellationToken);
            return HealthCheckResult.Healthy($"Redis ping {rtt.TotalMilliseconds:0.0} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer", ex);
        }
    }
}
