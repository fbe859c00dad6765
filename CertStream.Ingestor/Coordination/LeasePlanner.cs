namespace CertStream.Ingestor.Coordination;

/// <summary>
/// Decides, from the live replicas and the logs, which logs this replica should hold: an even
/// share (ceil(logs / replicas)), preferring the logs whose stable hash maps to its rank so the
/// replicas converge on disjoint sets without negotiating. Pure: tested without Redis.
/// </summary>
public static class LeasePlanner
{
    public static int Share(int logs, int replicas) => replicas <= 0 ? logs : (logs + replicas - 1) / replicas;

    public static bool IsPreferred(string logKey, int rank, int replicas) =>
        replicas <= 1 || (int)(StableHash(logKey) % (uint)replicas) == rank;

    /// <summary>
    /// Orders candidates for acquisition: preferred logs first, then the rest, each group in
    /// key order so that every replica walks the same list.
    /// </summary>
    public static List<string> AcquisitionOrder(IEnumerable<string> logKeys, int rank, int replicas)
    {
        var preferred = new List<string>();
        var others = new List<string>();
        foreach (var key in logKeys)
        {
            (IsPreferred(key, rank, replicas) ? preferred : others).Add(key);
        }

        preferred.Sort(StringComparer.Ordinal);
        others.Sort(StringComparer.Ordinal);
        preferred.AddRange(others);
        return preferred;
    }

    /// <summary>Which held logs to give up when holding more than the share: non-preferred first.</summary>
    public static List<string> ReleaseOrder(IEnumerable<string> held, int rank, int replicas, int share)
    {
        var order = AcquisitionOrder(held, rank, replicas);
        return order.Count <= share ? [] : order.GetRange(share, order.Count - share);
    }

    /// <summary>FNV-1a over the UTF-16 code units: stable across processes, unlike string.GetHashCode.</summary>
    public static uint StableHash(string value)
    {
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
