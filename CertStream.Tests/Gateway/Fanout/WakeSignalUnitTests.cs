using CertStream.Gateway.Fanout;

namespace CertStream.Tests.Gateway.Fanout;

public sealed class WakeSignalUnitTests
{
    [Fact]
    public async Task ASetBeforeTheWaitIsRemembered()
    {
        var signal = new WakeSignal();
        signal.Set();
        signal.Set(); // coalesced
        Assert.True(signal.WaitAsync().IsCompleted);
        var second = signal.WaitAsync();
        Assert.False(second.IsCompleted);
        signal.Set();
        Assert.True(await second.AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task NoWakeUpIsLostUnderConcurrentSets()
    {
        var signal = new WakeSignal();
        var produced = 0;
        var consumed = 0;
        const int total = 100_000;
        var consumer = Task.Run(async () =>
        {
            while (Volatile.Read(ref consumed) < total)
            {
                await signal.WaitAsync();
                // Take everything produced so far, as the send loop does.
                Volatile.Write(ref consumed, Volatile.Read(ref produced));
            }
        }, TestContext.Current.CancellationToken);

        var producers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < total / 2; i++)
            {
                Interlocked.Increment(ref produced);
                signal.Set();
            }
        }, TestContext.Current.CancellationToken));
        await Task.WhenAll(producers);
        await consumer.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(total, consumed);
    }
}
