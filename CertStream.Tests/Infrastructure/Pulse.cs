namespace CertStream.Tests.Infrastructure;

/// <summary>
/// Something changed (a line was written, a message arrived): waiters re-check their condition on
/// each pulse instead of sleeping.
/// </summary>
public sealed class Pulse
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Next => Volatile.Read(ref _next).Task;

    public void Fire() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking on every pulse; fails the test after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string because, CancellationToken ct, params Pulse[] pulses)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        while (true)
        {
            // Take the pulses before checking, so that a change between the check and the wait is not missed.
            var changed = pulses.Length == 0 ? Task.Delay(Timeout.Infinite, deadline.Token) : Task.WhenAny(pulses.Select(p => p.Next));
            if (condition())
            {
                return;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                if (condition())
                {
                    return;
                }

                Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s: {because}");
            }
        }
    }
}
