using CertStream.Ingestor.Options;
using CertStream.Ingestor.Telemetry;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Coordination;

/// <summary>What a coordination round decided.</summary>
public sealed record LeasePlan(IReadOnlyCollection<string> Held, IReadOnlyList<string> ToRelease, IReadOnlyList<string> Lost);

/// <summary>
/// One replica's view of log sharing. Each round: heartbeat, renew held leases (a failed renewal
/// means another replica took over: the log is lost), give up logs above the fair share, and
/// take free ones up to it. Leases expire when a replica dies, so the others take its logs over
/// from the saved cursor within one lease TTL. A replica is counted until one lease TTL after it
/// was last seen in Redis's member set, so that a Redis restart (which empties the set) does not
/// make each survivor think it is alone and grab the others' logs before they heartbeat again.
/// </summary>
public sealed class LeaseCoordinator(
    LeaseStore store,
    IngestorIdentity identity,
    IOptions<CtLogOptions> options,
    TimeProvider time,
    ILogger<LeaseCoordinator> logger)
{
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);

    private TimeSpan LeaseTtl => TimeSpan.FromMilliseconds(options.Value.LeaseTtlMs);

    public TimeSpan RoundInterval => TimeSpan.FromMilliseconds(options.Value.CoordinationIntervalMs);

    public string Owner => identity.Id;

    public async Task<LeasePlan> RoundAsync(IReadOnlyCollection<string> logKeys)
    {
        var now = time.GetUtcNow();
        var members = LiveMembers(await store.HeartbeatAsync(identity.Id, now, LeaseTtl), now);
        var rank = Math.Max(0, Array.IndexOf(members, identity.Id));
        var replicas = Math.Max(1, members.Length);
        var wanted = new HashSet<string>(logKeys, StringComparer.Ordinal);
        var share = LeasePlanner.Share(wanted.Count, replicas);

        var lost = new List<string>();
        var toRelease = new List<string>();
        foreach (var key in _held.ToArray())
        {
            if (!wanted.Contains(key))
            {
                toRelease.Add(key); // dropped from the log list
            }
            else
            {
                switch (await store.RenewAsync(key, identity.Id, LeaseTtl))
                {
                    case LeaseRenewal.Lost:
                        _held.Remove(key);
                        lost.Add(key);
                        IngestorLog.LeaseLost(logger, key);
                        break;
                    case LeaseRenewal.Retaken:
                        IngestorLog.LeaseRetaken(logger, key);
                        break;
                }
            }
        }

        foreach (var key in toRelease)
        {
            _held.Remove(key);
        }

        foreach (var key in LeasePlanner.ReleaseOrder(_held, rank, replicas, share))
        {
            _held.Remove(key);
            toRelease.Add(key);
        }

        if (_held.Count < share)
        {
            foreach (var key in LeasePlanner.AcquisitionOrder(wanted, rank, replicas))
            {
                if (_held.Count >= share)
                {
                    break;
                }

                if (!_held.Contains(key) && await store.TryAcquireAsync(key, identity.Id, LeaseTtl))
                {
                    _held.Add(key);
                    IngestorLog.LeaseAcquired(logger, key);
                }
            }
        }

        return new LeasePlan(_held.ToArray(), toRelease, lost);
    }

    /// <summary>The members Redis lists, plus those it listed within one lease TTL (see the class comment); sorted.</summary>
    private string[] LiveMembers(string[] fromRedis, DateTimeOffset now)
    {
        foreach (var member in fromRedis)
        {
            _lastSeen[member] = now;
        }

        foreach (var (member, seen) in _lastSeen.ToArray())
        {
            if (now - seen > LeaseTtl)
            {
                _lastSeen.Remove(member);
            }
        }

        var members = _lastSeen.Keys.ToArray();
        Array.Sort(members, StringComparer.Ordinal);
        return members;
    }

    /// <summary>Gives a lease back once its worker has stopped (so its cursor is saved).</summary>
    public async Task ReleaseAsync(string logKey, string reason)
    {
        await store.ReleaseAsync(logKey, identity.Id);
        IngestorLog.LeaseReleased(logger, logKey, reason);
    }

    public async Task LeaveAsync()
    {
        foreach (var key in _held)
        {
            await store.ReleaseAsync(key, identity.Id);
        }

        _held.Clear();
        await store.LeaveAsync(identity.Id);
    }
}
