using CertStream.Ingestor.Options;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Following;

/// <summary>
/// The fetch windows in flight across all logs of this ingestor (<c>ct_log:max_fetches_in_flight</c>):
/// a window holds its response bodies from its request until it was published, so this, times the
/// size of a window, bounds the memory of the fetch path whatever the number of logs or their backlog.
/// A log's first window waits for a slot; further windows of the same log are only started when a
/// slot is free at once, so a log always makes progress with what it holds (no deadlock) and logs
/// catching up share the budget with the ones at their tips.
/// </summary>
public sealed class FetchBudget(IOptions<CtLogOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxFetchesInFlight, options.Value.MaxFetchesInFlight);

    public int Capacity => options.Value.MaxFetchesInFlight;

    public int Available => _slots.CurrentCount;

    public Task WaitAsync(CancellationToken ct) => _slots.WaitAsync(ct);

    public bool TryTake() => _slots.Wait(0);

    public void Return() => _slots.Release();

    public void Dispose() => _slots.Dispose();
}
