using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CertStream.ServiceDefaults.Configuration;

/// <summary>Logs what happens to the config files: watched, reloaded, or rejected (last good config kept).</summary>
public sealed partial class HotReloadReporter(ConfigFiles files, ILogger<HotReloadReporter> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var source in files.Sources)
        {
            if (files.Watching)
            {
                LogWatching(logger, source.Path);
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
    public void ReportRejected(string options, IReadOnlyList<string> failures) => LogRejected(logger, options, string.Join(" ", failures));

    private void OnReloaded(string path) => LogReloaded(logger, path);

    private void OnReloadFailed(string path, Exception error) => LogReloadFailed(logger, path, error.Message);

    [LoggerMessage(900, LogLevel.Information, "Hot reload: watching {Path}")]
    private static partial void LogWatching(ILogger logger, string path);

    [LoggerMessage(901, LogLevel.Information, "Hot reload: {Path} changed; applying")]
    private static partial void LogReloaded(ILogger logger, string path);

    [LoggerMessage(902, LogLevel.Error, "Hot reload: {Path} could not be loaded, the last good configuration stays in force: {Error}")]
    private static partial void LogReloadFailed(ILogger logger, string path, string error);

    [LoggerMessage(903, LogLevel.Error, "Hot reload: new {Options} rejected, the last good configuration stays in force: {Failures}")]
    private static partial void LogRejected(ILogger logger, string options, string failures);
}
