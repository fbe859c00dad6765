namespace CertStream.Gateway.Fanout;

/// <summary>
/// Connections and disconnections since the last summary. Per-connection log lines are Debug (at
/// thousands of connections a minute they would flood the log); this is what the once-a-minute
/// Information summary reports instead.
/// </summary>
internal sealed class ClientActivity
{
    private long _connected;
    private long _disconnected;
    private long _slowClients;
    private long _deadPeers;
    private long _writeStalls;

    public void Connected() => Interlocked.Increment(ref _connected);

    public void Disconnected(DisconnectReason reason)
    {
        Interlocked.Increment(ref _disconnected);
        switch (reason)
        {
            case DisconnectReason.SlowClient:
                Interlocked.Increment(ref _slowClients);
                break;
            case DisconnectReason.DeadPeer:
                Interlocked.Increment(ref _deadPeers);
                break;
            case DisconnectReason.WriteStall:
                Interlocked.Increment(ref _writeStalls);
                break;
        }
    }

    /// <summary>The counts since the previous call, which start again from zero.</summary>
    public Summary Take() => new(
        Interlocked.Exchange(ref _connected, 0),
        Interlocked.Exchange(ref _disconnected, 0),
        Interlocked.Exchange(ref _slowClients, 0),
        Interlocked.Exchange(ref _deadPeers, 0),
        Interlocked.Exchange(ref _writeStalls, 0));

    public readonly record struct Summary(long Connected, long Disconnected, long SlowClients, long DeadPeers, long WriteStalls)
    {
        public bool IsEmpty => Connected == 0 && Disconnected == 0;
    }
}
