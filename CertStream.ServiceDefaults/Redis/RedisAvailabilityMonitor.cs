using System.Net;
using CertStream.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CertStream.ServiceDefaults.Redis;

/// <summary>
/// Reports a Redis outage the way an operator wants to read it: one warning per
/// <see cref="WarnEvery"/> naming the endpoint and the cause while Redis is unreachable, and one
/// line when it is back. The client library's own log (an error with a stack trace per failed
/// reconnect) is off at the default level (see Logging.LogLevels); the multiplexer keeps
/// reconnecting by itself (abortConnect=false), so nothing here retries.
/// </summary>
internal sealed class RedisAvailabilityMonitor(IConnectionMultiplexer redis, TimeProvider time, ILogger<RedisAvailabilityMonitor> logger)
    : BackgroundService
{
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan WarnEvery = TimeSpan.FromSeconds(10);

    private volatile string _lastFailure = "no connection since the start";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var endpoint = Describe(redis.GetEndPoints());
        redis.ConnectionFailed += OnConnectionFailed;
        try
        {
            using var timer = new PeriodicTimer(CheckEvery, time);
            DateTimeOffset? downSince = null;
            DateTimeOffset? warned = null;
            do
            {
                var now = time.GetUtcNow();
                if (!redis.IsConnected)
                {
                    downSince ??= now;
                    if (warned is null || now - warned >= WarnEvery)
                    {
                        ServiceDefaultsLog.RedisConnectionLost(logger, endpoint, (now - downSince.Value).TotalSeconds, _lastFailure);
                        warned = now;
                    }
                }
                else if (downSince is { } since)
                {
                    if (warned is not null)
                    {
                        ServiceDefaultsLog.RedisConnectionRestored(logger, endpoint, (now - since).TotalSeconds);
                    }

                    downSince = null;
                    warned = null;
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            redis.ConnectionFailed -= OnConnectionFailed;
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        // An inner exception is the cause ("Connection refused"); the outer message is a page of client state.
        _lastFailure = e.Exception?.InnerException?.GetBaseException().Message is { Length: > 0 } cause ? $"{e.FailureType}: {cause}" : e.FailureType.ToString();

    /// <summary>host:port of each configured endpoint; never the connection string, which may hold a password.</summary>
    internal static string Describe(IEnumerable<EndPoint> endpoints)
    {
        var names = endpoints.Select(e => e switch
        {
            DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
            IPEndPoint ip => ip.ToString(),
            _ => e.ToString() ?? "?",
        }).ToList();
        return names.Count == 0 ? "(no endpoint)" : string.Join(",", names);
    }
}
