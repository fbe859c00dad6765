using Microsoft.Extensions.Hosting;

namespace CertStream.ServiceDefaults.Hosting;

/// <summary>
/// Whether the host has finished starting. Until then the host's own "Hosting failed to start"
/// error (with its stack trace) is held back: whoever started the host reports the failure, the
/// service runner as one line naming the setting, a test as the exception it gets.
/// </summary>
public sealed class StartupPhase
{
    /// <summary>The host's own category, which logs start failures and failed background services.</summary>
    public const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private volatile bool _started;

    public bool Started => _started;

    internal void MarkStarted() => _started = true;

    /// <summary>Flips <see cref="StartupPhase.Started"/> once the application has started.</summary>
    internal sealed class Tracker(StartupPhase phase, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(phase.MarkStarted);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
