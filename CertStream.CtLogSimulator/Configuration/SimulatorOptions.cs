using CertStream.CtLogSimulator.Faults;
using Microsoft.Extensions.Options;

namespace CertStream.CtLogSimulator.Configuration;

/// <summary>
/// Section <c>Simulator</c> of the simulator process (appsettings.json, <c>Simulator__Key</c> environment
/// variables or <c>--Simulator:Key=value</c>). Keys:
/// <list type="bullet">
/// <item><c>Rfc6962Logs</c> (2), <c>TiledLogs</c> (2): how many logs of each API; named <c>rfc6962-{i}</c> and <c>tiled-{i}</c>.</item>
/// <item><c>InitialSize</c> (1000): tree size at start. <c>EntriesPerSecond</c> (5): growth of each log.</item>
/// <item><c>PageCap</c> (256): most entries per get-entries answer. <c>RejectEndBeyondTreeSize</c> (false).</item>
/// <item><c>UseRecordedEntries</c> (true): real entries first, then generated. <c>EntryCacheSize</c> (4096 per log).</item>
/// <item><c>TileEncoding</c> (Gzip | GzipWithoutHeader | Identity).</item>
/// <item><c>PublicBaseUrl</c> (unset): base URL written into <c>/log_list.json</c>; unset: the request's scheme and Host.</item>
/// <item><c>InitialAgeSecs</c> (0): the initial entries are stamped over this many seconds before start (a log with a history).</item>
/// <item><c>TreeHeadIntervalMs</c> (0: live): tree heads change only every this many ms, as a real log publishes them.</item>
/// <item><c>ControlApi</c> (false): serve <c>/control/logs/…</c> to grow, backdate and pause logs while running (Http/ControlApi).</item>
/// <item><c>Faults:{n}:</c> <c>Log</c> (a name or <c>*</c>), <c>Kind</c> (TooManyRequests | ServerError | Slow |
/// TruncatedBody | MalformedBody | StaleTreeHead), <c>Endpoint</c> (optional: GetSth, GetEntries, GetRoots, Checkpoint,
/// DataTile, PartialDataTile, Issuer), <c>Every</c> (every Nth matching request) or <c>Count</c> (the first N),
/// <c>RetryAfterSeconds</c> (1), <c>RetryAfterAsHttpDate</c> (false), <c>StatusCode</c> (500), <c>DelayMs</c>, <c>StaleBy</c> (1).</item>
/// </list>
/// </summary>
public sealed class SimulatorOptions
{
    public const string Section = "Simulator";

    public int Rfc6962Logs { get; set; } = 2;

    public int TiledLogs { get; set; } = 2;

    public long InitialSize { get; set; } = 1000;

    public double EntriesPerSecond { get; set; } = 5;

    public int PageCap { get; set; } = 256;

    public bool RejectEndBeyondTreeSize { get; set; }

    public bool UseRecordedEntries { get; set; } = true;

    public int EntryCacheSize { get; set; } = 4096;

    public SimulatedTileEncoding TileEncoding { get; set; }

    public string? PublicBaseUrl { get; set; }

    public bool ControlApi { get; set; }

    public int TreeHeadIntervalMs { get; set; }

    public double InitialAgeSecs { get; set; }

    public List<SimulatorFaultOptions> Faults { get; set; } = [];

    /// <summary>The logs this configuration describes.</summary>
    public IEnumerable<SimulatedLogOptions> LogOptions()
    {
        for (var i = 0; i < Rfc6962Logs; i++)
        {
            yield return Log($"rfc6962-{i}", SimulatedLogKind.Rfc6962);
        }

        for (var i = 0; i < TiledLogs; i++)
        {
            yield return Log($"tiled-{i}", SimulatedLogKind.Tiled);
        }
    }

    private SimulatedLogOptions Log(string name, SimulatedLogKind kind) => new()
    {
        Name = name,
        Kind = kind,
        InitialSize = InitialSize,
        EntriesPerSecond = EntriesPerSecond,
        PageCap = PageCap,
        RejectEndBeyondTreeSize = RejectEndBeyondTreeSize,
        UseRecordedEntries = UseRecordedEntries,
        EntryCacheSize = EntryCacheSize,
        TileEncoding = TileEncoding,
        TreeHeadIntervalMs = TreeHeadIntervalMs,
        InitialAgeSecs = InitialAgeSecs,
    };
}

/// <summary>One entry of <c>Simulator:Faults</c>.</summary>
public sealed class SimulatorFaultOptions
{
    public string Log { get; set; } = "*";

    public SimulatedFaultKind Kind { get; set; }

    public SimulatedEndpoint? Endpoint { get; set; }

    public int Every { get; set; }

    public int Count { get; set; }

    public double RetryAfterSeconds { get; set; } = 1;

    public bool RetryAfterAsHttpDate { get; set; }

    public int StatusCode { get; set; } = 500;

    public int DelayMs { get; set; }

    public long StaleBy { get; set; } = 1;

    public bool Matches(string logName) => Log == "*" || string.Equals(Log, logName, StringComparison.Ordinal);

    public SimulatedFault ToFault() => new()
    {
        Kind = Kind,
        Endpoint = Endpoint,
        RetryAfter = TimeSpan.FromSeconds(RetryAfterSeconds),
        RetryAfterAsHttpDate = RetryAfterAsHttpDate,
        StatusCode = StatusCode,
        Delay = TimeSpan.FromMilliseconds(DelayMs),
        StaleBy = StaleBy,
    };
}

public sealed class SimulatorOptionsValidator : IValidateOptions<SimulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, SimulatorOptions o)
    {
        var errors = new List<string>();
        if (o.Rfc6962Logs < 0 || o.TiledLogs < 0)
        {
            errors.Add("Simulator:Rfc6962Logs and Simulator:TiledLogs must be >= 0.");
        }

        if (o.InitialSize < 0)
        {
            errors.Add($"Simulator:InitialSize: {o.InitialSize} must be >= 0.");
        }

        if (double.IsNaN(o.EntriesPerSecond) || double.IsInfinity(o.EntriesPerSecond) || o.EntriesPerSecond < 0)
        {
            errors.Add($"Simulator:EntriesPerSecond: {o.EntriesPerSecond} must be a finite number >= 0.");
        }

        if (o.PageCap < 1)
        {
            errors.Add($"Simulator:PageCap: {o.PageCap} must be at least 1.");
        }

        if (double.IsNaN(o.InitialAgeSecs) || double.IsInfinity(o.InitialAgeSecs) || o.InitialAgeSecs < 0)
        {
            errors.Add($"Simulator:InitialAgeSecs: {o.InitialAgeSecs} must be a finite number >= 0.");
        }

        if (o.TreeHeadIntervalMs < 0)
        {
            errors.Add($"Simulator:TreeHeadIntervalMs: {o.TreeHeadIntervalMs} must be >= 0.");
        }

        if (o.EntryCacheSize < 1)
        {
            errors.Add($"Simulator:EntryCacheSize: {o.EntryCacheSize} must be at least 1.");
        }

        if (o.PublicBaseUrl is { Length: > 0 } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https")))
        {
            errors.Add($"Simulator:PublicBaseUrl: '{url}' is not an http(s) URL.");
        }

        for (var i = 0; i < o.Faults.Count; i++)
        {
            var fault = o.Faults[i];
            if ((fault.Every > 0) == (fault.Count > 0))
            {
                errors.Add($"Simulator:Faults:{i}: set exactly one of Every and Count (> 0).");
            }

            if (fault.Every < 0 || fault.Count < 0 || fault.DelayMs < 0 || fault.StaleBy < 0 || fault.RetryAfterSeconds < 0)
            {
                errors.Add($"Simulator:Faults:{i}: Every, Count, DelayMs, StaleBy and RetryAfterSeconds must be >= 0.");
            }

            if (fault.Kind == SimulatedFaultKind.ServerError && fault.StatusCode is < 400 or > 599)
            {
                errors.Add($"Simulator:Faults:{i}:StatusCode: {fault.StatusCode} is not an error status.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
