namespace CertStream.Gateway.Access;

/// <summary>A stream connection's place in the cluster-wide counts; disposing it gives the place back.</summary>
internal sealed class ConnectionSlot : IAsyncDisposable
{
    public static readonly ConnectionSlot Unlimited = new(null, "");

    private readonly ClusterConnectionLimiter? _limiter;
    private readonly string _field;
    private int _released;

    internal ConnectionSlot(ClusterConnectionLimiter? limiter, string field)
    {
        _limiter = limiter;
        _field = field;
    }

    public async ValueTask DisposeAsync()
    {
        if (_limiter is not null && Interlocked.Exchange(ref _released, 1) == 0)
        {
            await _limiter.ReleaseAsync(_field);
        }
    }
}
