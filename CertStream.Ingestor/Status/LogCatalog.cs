using CertStream.Ingestor.Ct;

namespace CertStream.Ingestor.Status;

/// <summary>The logs of the last log list loaded (custom logs included), for the status report.</summary>
public sealed class LogCatalog
{
    private IReadOnlyList<CtLogInfo> _logs = [];

    public IReadOnlyList<CtLogInfo> Logs
    {
        get => Volatile.Read(ref _logs);
        set => Volatile.Write(ref _logs, value);
    }
}
