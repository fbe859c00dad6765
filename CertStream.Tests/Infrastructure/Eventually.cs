namespace CertStream.Tests.Infrastructure;

/// <summary>
/// Waits for a condition with a deadline, polling: only for state that has no signal of its own
/// (Redis keys, request counters). What a <see cref="StreamRecorder"/> or a process writes is
/// waited on with their <see cref="Pulse"/>.
/// </summary>
public static class Eventually
{
    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string because, CancellationToken ct = default) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, because, ct);

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string because, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout}: {because}");
            }

            await Task.Delay(10, ct);
        }
    }
}
