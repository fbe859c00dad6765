using CertStream.CtLogSimulator.Faults;

namespace CertStream.CtLogSimulator;

/// <summary>The logs one simulator serves, shared by the in-process server and the process.</summary>
internal sealed class SimulatedLogRegistry(TimeProvider time, string? publicBaseUrl = null) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<SimulatedLog> _logs = [];
    private long _logListRequests;
    private string? _boundBaseUrl;

    public TimeProvider Time { get; } = time;

    /// <summary>The URL written into the log list; null: taken from each request's scheme and Host.</summary>
    public string? PublicBaseUrl { get; } = publicBaseUrl?.TrimEnd('/');

    /// <summary>The base URL the logs report as theirs (<see cref="PublicBaseUrl"/>, else the bound address).</summary>
    public string BaseUrl
    {
        get => PublicBaseUrl ?? _boundBaseUrl ?? throw new InvalidOperationException("the simulator is not listening yet");
        set => _boundBaseUrl = value.TrimEnd('/');
    }

    public FaultSchedule LogListFaults { get; } = new();

    public long LogListRequests => Interlocked.Read(ref _logListRequests);

    public SimulatedLog Add(SimulatedLogOptions options)
    {
        var log = new SimulatedLog(options, Time, () => BaseUrl);
        lock (_gate)
        {
            if (_logs.Exists(l => l.Name == options.Name))
            {
                log.Dispose();
                throw new ArgumentException($"a log named '{options.Name}' already exists", nameof(options));
            }

            _logs.Add(log);
        }

        return log;
    }

    public bool Remove(string name)
    {
        lock (_gate)
        {
            var index = _logs.FindIndex(l => l.Name == name);
            if (index < 0)
            {
                return false;
            }

            // Not disposed: a request in flight may still sign with its key; the GC reclaims it.
            _logs.RemoveAt(index);
            return true;
        }
    }

    public SimulatedLog? Find(string name)
    {
        lock (_gate)
        {
            return _logs.Find(l => l.Name == name);
        }
    }

    public IReadOnlyList<SimulatedLog> Snapshot()
    {
        lock (_gate)
        {
            return [.. _logs];
        }
    }

    public void CountLogListRequest() => Interlocked.Increment(ref _logListRequests);

    public void Dispose()
    {
        foreach (var log in Snapshot())
        {
            log.Dispose();
        }
    }
}
