using CertStream.Ingestor.Coordination;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.LogList;
using CertStream.Ingestor.Options;
using CertStream.Ingestor.State;
using CertStream.Ingestor.Telemetry;
using CertStream.ServiceDefaults.Configuration;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Workers;

/// <summary>
/// The replica's main loop: keeps the log list fresh (hourly, and at once when custom logs
/// change), takes part in log sharing every few seconds, and starts or stops one
/// <see cref="LogWorker"/> per log whose lease it holds. Logs dropped from the list stop.
/// </summary>
public sealed class IngestorWorker(
    LogListSource logList,
    LeaseCoordinator coordinator,
    LogWorker logWorker,
    StateFileMirror stateFile,
    IngestorReadiness readiness,
    IOptionsMonitor<CtLogOptions> ctLogOptions,
    ReloadableOptions<LogListOptions> logListOptions,
    TimeProvider time,
    ILogger<IngestorWorker> logger) : BackgroundService
{
    private static readonly TimeSpan ListRetry = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, (CancellationTokenSource Cancel, Task Run)> _workers = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, CtLogInfo> _logs = new Dictionary<string, CtLogInfo>();
    private DateTimeOffset _nextListLoad = DateTimeOffset.MinValue;
    private volatile bool _reloadRequested;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Hot reload: custom logs (or the list URL) changed, so load the list again at once.
        void OnChange(LogListOptions previous, LogListOptions current) => _reloadRequested = true;
        logListOptions.Changed += OnChange;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await RefreshLogListAsync(stoppingToken);
                await CoordinateAsync();
                FlushStateFile();
                await Task.Delay(coordinator.RoundInterval, time, stoppingToken);
            }
        }
        catch (Exception ex) when (IsShutdown(ex, stoppingToken))
        {
        }
        finally
        {
            logListOptions.Changed -= OnChange;
            await StopAllAsync();
        }
    }

    /// <summary>
    /// Stopping, or a start that failed after this worker began (e.g. a taken port): the host disposes
    /// the service provider, possibly before it cancels the token, so what the loop hits then is the
    /// end of the process, not an error to report.
    /// </summary>
    private static bool IsShutdown(Exception ex, CancellationToken ct) =>
        ct.IsCancellationRequested || ex is ObjectDisposedException;

    private async Task RefreshLogListAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now < _nextListLoad && !_reloadRequested)
        {
            return;
        }

        _reloadRequested = false;
        var url = logListOptions.Current.LogsUrl;
        try
        {
            var (logs, custom, skipped) = await logList.LoadAsync(ct);
            var byKey = new Dictionary<string, CtLogInfo>(StringComparer.Ordinal);
            foreach (var log in logs)
            {
                byKey[log.Key] = log;
            }

            _logs = byKey;
            _nextListLoad = now + TimeSpan.FromSeconds(ctLogOptions.CurrentValue.LogListRefreshSecs);
            readiness.LogListLoaded = true;
            IngestorLog.LogListLoaded(logger, url, logs.Count, custom, skipped);
        }
        catch (Exception ex) when (IsShutdown(ex, ct))
        {
            throw; // not a log list problem: ExecuteAsync ends quietly
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or OperationCanceledException or IOException or System.Text.Json.JsonException)
        {
            // Expected while the list's server is unreachable or serves garbage: one line, no stack.
            _nextListLoad = now + ListRetry;
            IngestorLog.LogListFetchFailed(logger, url, ex.Message);
        }
        catch (Exception ex)
        {
            _nextListLoad = now + ListRetry;
            IngestorLog.LogListLoadFailed(logger, url, ex);
        }
    }

    private async Task CoordinateAsync()
    {
        LeasePlan plan;
        try
        {
            plan = await coordinator.RoundAsync(_logs.Keys.ToArray());
            readiness.LastRound = time.GetUtcNow();
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            IngestorLog.CoordinationFailed(logger, ex);
            return;
        }

        foreach (var key in plan.Lost)
        {
            await StopWorkerAsync(key);
        }

        foreach (var key in plan.ToRelease)
        {
            await StopWorkerAsync(key);
            try
            {
                await coordinator.ReleaseAsync(key, _logs.ContainsKey(key) ? "rebalancing" : "dropped from the log list");
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                IngestorLog.CoordinationFailed(logger, ex); // the lease expires by itself
            }
        }

        foreach (var (key, worker) in _workers.ToArray())
        {
            if (worker.Run.IsCompleted)
            {
                _workers.Remove(key);
                worker.Cancel.Dispose();
            }
        }

        foreach (var key in plan.Held)
        {
            if (!_workers.ContainsKey(key) && _logs.TryGetValue(key, out var log))
            {
                var cancel = new CancellationTokenSource();
                _workers[key] = (cancel, Task.Run(() => logWorker.RunAsync(log, coordinator.Owner, cancel.Token)));
            }
        }

        readiness.LogsFollowed = _workers.Count;
    }

    private async Task StopWorkerAsync(string key)
    {
        if (_workers.Remove(key, out var worker))
        {
            await worker.Cancel.CancelAsync();
            await worker.Run;
            worker.Cancel.Dispose();
        }
    }

    private async Task StopAllAsync()
    {
        foreach (var key in _workers.Keys.ToArray())
        {
            await StopWorkerAsync(key);
        }

        try
        {
            await coordinator.LeaveAsync();
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            IngestorLog.CoordinationFailed(logger, ex); // leases expire by themselves
        }

        FlushStateFile();
    }

    private void FlushStateFile()
    {
        try
        {
            stateFile.Flush();
        }
        catch (IOException ex)
        {
            IngestorLog.StateFileWriteFailed(logger, stateFile.Path ?? "", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            IngestorLog.StateFileWriteFailed(logger, stateFile.Path ?? "", ex);
        }
    }
}
