namespace CertStream.Ingestor.Following;

/// <summary>
/// Fetches consecutive ranges of a log with several requests in flight, and hands each result on
/// strictly in range order, so entries are published in index order even though they are fetched
/// concurrently. A failure cancels the ranges still in flight and propagates. A result that is
/// <see cref="IDisposable"/> is disposed once delivered, or when it is abandoned (failure, cancel).
/// With a <see cref="FetchBudget"/>, each range in flight holds one of its slots until delivered.
/// </summary>
public static class OrderedFetchPipeline
{
    /// <param name="concurrency">Most ranges in flight at once.</param>
    /// <param name="next">Schedules the next range from the end of the last one, or returns null when there is none.</param>
    /// <param name="fetch">Fetches one range.</param>
    /// <param name="deliver">Publishes one range's result; called one at a time, in order.</param>
    /// <param name="ct">Stops the pipeline.</param>
    public static Task RunAsync<TRange, TResult>(
        int concurrency,
        Func<TRange?, TRange?> next,
        Func<TRange, CancellationToken, Task<TResult>> fetch,
        Func<TRange, TResult, Task> deliver,
        CancellationToken ct)
        where TRange : struct =>
        RunAsync(concurrency, null, next, fetch, deliver, ct);

    /// <param name="concurrency">Most ranges of this log in flight at once.</param>
    /// <param name="budget">Slots shared with the other logs (null: none): the first range waits for one, the others only start when one is free.</param>
    /// <param name="next">Schedules the next range from the end of the last one, or returns null when there is none.</param>
    /// <param name="fetch">Fetches one range.</param>
    /// <param name="deliver">Publishes one range's result; called one at a time, in order.</param>
    /// <param name="ct">Stops the pipeline.</param>
    public static async Task RunAsync<TRange, TResult>(
        int concurrency,
        FetchBudget? budget,
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

                    if (budget is not null)
                    {
                        if (inFlight.Count == 0)
                        {
                            await budget.WaitAsync(cancel.Token);
                        }
                        else if (!budget.TryTake())
                        {
                            break; // deliver what is in flight first; its slot comes back then
                        }
                    }

                    inFlight.Enqueue((range, fetch(range, cancel.Token)));
                    last = range;
                }

                if (inFlight.Count == 0)
                {
                    return;
                }

                var (current, pending) = inFlight.Dequeue();
                TResult result;
                try
                {
                    result = await pending;
                }
                catch
                {
                    budget?.Return();
                    throw;
                }

                try
                {
                    await deliver(current, result);
                }
                finally
                {
                    (result as IDisposable)?.Dispose();
                    budget?.Return();
                }
            }
        }
        finally
        {
            await cancel.CancelAsync();
            foreach (var (_, pending) in inFlight)
            {
                // Observe the cancelled fetches so none is left running or unobserved, and give back what they hold.
                await pending.ContinueWith(static t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        (t.Result as IDisposable)?.Dispose();
                    }
                }, TaskScheduler.Default);
                budget?.Return();
            }
        }
    }
}
