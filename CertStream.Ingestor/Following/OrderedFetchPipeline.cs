namespace CertStream.Ingestor.Following;

/// <summary>
/// Fetches consecutive ranges of a log with several requests in flight, and hands each result on
/// strictly in range order, so entries are published in index order even though they are fetched
/// concurrently. A failure cancels the ranges still in flight and propagates.
/// </summary>
public static class OrderedFetchPipeline
{
    /// <param name="concurrency">Most ranges in flight at once.</param>
    /// <param name="next">Schedules the next range from the end of the last one, or returns null when there is none.</param>
    /// <param name="fetch">Fetches one range.</param>
    /// <param name="deliver">Publishes one range's result; called one at a time, in order.</param>
    /// <param name="ct">Stops the pipeline.</param>
    public static async Task RunAsync<TRange, TResult>(
        int concurrency,
        Func<TRange?, TRange?> next,
        Func<TRange, CancellationToken, Task<TResult>> fetch,
        Func<TRange, TResult, Task> deliver,
        CancellationToken ct)
        where TRange : struct
    {
        var inFlight = new Queue<(TRange Range, Task<TResult> Fetch)>();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        TRange? last = null;
        var exhausted = false;
        try
        {
            while (true)
            {
                while (!exhausted && inFlight.Count < concurrency)
                {
                    if (next(last) is not { } range)
                    {
                        exhausted = true;
                        break;
                    }

                    inFlight.Enqueue((range, fetch(range, cancel.Token)));
                    last = range;
                }

                if (inFlight.Count == 0)
                {
                    return;
                }

                var (current, pending) = inFlight.Dequeue();
                await deliver(current, await pending);
            }
        }
        finally
        {
            await cancel.CancelAsync();
            foreach (var (_, pending) in inFlight)
            {
                // Observe the cancelled fetches so none is left running or unobserved.
                await pending.ContinueWith(static _ => { }, TaskScheduler.Default);
            }
        }
    }
}
