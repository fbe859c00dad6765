using CertStream.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CertStream.ServiceDefaults.Configuration;

/// <summary>Logs what happens to the config files: watched, reloaded, or rejected (last good config kept).</summary>
public sealed class HotReloadReporter(ConfigFiles files, ILogger<HotReloadReporter> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var source in files.Sources)
        {
            if (files.Watching)
            {
                ServiceDefaultsLog.ConfigWatched(logger, source.Path);
            }

            source.Reloaded += OnReloaded;
            source.ReloadFailed += OnReloadFailed;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var source in files.Sources)
        {
            source.Reloaded -= OnReloaded;
            source.ReloadFailed -= OnReloadFailed;
        }

        return Task.CompletedTask;
    }

    /// <summary>Consumers of reloadable options report their rejected values here, naming the options type.</summary>
    public void ReportRejected(string options, IReadOnlyList<string> failures) => ServiceDefaultsLog.ConfigRejected(logger, options, string.Join(" ", failures));

    private void OnReloaded(string path) => ServiceDefaultsLog.ConfigReloaded(logger, path);

    private void OnReloadFailed(string path, Exception error) => ServiceDefaultsLog.ConfigReloadFailed(logger, path, error.Message);
}
