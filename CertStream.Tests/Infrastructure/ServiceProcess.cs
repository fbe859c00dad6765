using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CertStream.Tests.Infrastructure;

/// <summary>One line a process wrote, with when the test saw it.</summary>
public readonly record struct OutputLine(DateTimeOffset At, bool Stderr, string Text);

/// <summary>
/// A service started as its own OS process from its build output (<c>dotnet CertStream.X.dll</c>), the
/// way an operator runs it: configuration only through environment variables and arguments (inherited
/// CERTSTREAM_*, ASPNETCORE_*, Logging__*, ConnectionStrings__* and OTEL_* variables are removed),
/// stdout and stderr captured line by line for assertions. Disposing kills it (by PID) if it still runs.
/// </summary>
/// <remarks>
/// The build output is what <c>dotnet build</c> of the solution (or of this test project, which
/// references the services) leaves: <c>{project}/bin/{configuration}/net10.0/{project}.dll</c> with
/// its own runtimeconfig and deps, run with the <c>dotnet</c> host as a published framework-dependent app.
/// </remarks>
public sealed class ServiceProcess : IAsyncDisposable
{
    public const string Ingestor = "CertStream.Ingestor";
    public const string Gateway = "CertStream.Gateway";
    public const string Simulator = "CertStream.CtLogSimulator";
    public const string Proxy = "CertStream.Proxy";

    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly List<OutputLine> _lines = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A working directory of its own that is deleted with the process, when the test did not give one.</summary>
    private DirectoryInfo? _ownDirectory;

    private ServiceProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public static string DotnetHost { get; } = FindDotnet();

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Fires on every line written and when the process exits.</summary>
    public Pulse Changed { get; } = new();

    public IReadOnlyList<OutputLine> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Log entries (a line that does not start with white space: the console logger indents continuations).</summary>
    public IReadOnlyList<OutputLine> Entries => [.. Lines.Where(l => l.Text.Length > 0 && !char.IsWhiteSpace(l.Text[0]))];

    /// <summary>Each log entry as one text: its first line and its indented continuation lines, joined by spaces.</summary>
    public IReadOnlyList<string> EntryTexts
    {
        get
        {
            var entries = new List<string>();
            foreach (var line in Lines)
            {
                if (entries.Count > 0 && line.Text.Length > 0 && char.IsWhiteSpace(line.Text[0]))
                {
                    entries[^1] += " " + line.Text.Trim();
                }
                else
                {
                    entries.Add(line.Text);
                }
            }

            return entries;
        }
    }

    /// <summary>The whole output as one text (an entry's continuation lines follow it).</summary>
    public string Text => string.Join('\n', Lines.Select(l => l.Text));

    public IReadOnlyList<string> Stdout => [.. Lines.Where(l => !l.Stderr).Select(l => l.Text)];

    public IReadOnlyList<string> Stderr => [.. Lines.Where(l => l.Stderr).Select(l => l.Text)];

    /// <summary>
    /// Runs a service's build output (<see cref="Ingestor"/>, <see cref="Gateway"/>, …) in an empty
    /// working directory of its own, so that no config.yaml is found.
    /// </summary>
    public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string> environment)
    {
        var directory = Directory.CreateTempSubdirectory("certstream-process-");
        var service = Start(project, DotnetHost, [DllOf(project)], environment.ToDictionary(e => e.Key, e => (string?)e.Value), directory.FullName);
        service._ownDirectory = directory;
        return service;
    }

    /// <summary>Runs the service until it exits by itself; the exit code and everything it wrote.</summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)> RunToExitAsync(
        string project, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken ct)
    {
        await using var service = Start(project, environment);
        var exitCode = await service.WaitForExitAsync(timeout, ct);
        return (exitCode, service.Stdout, service.Stderr);
    }

    /// <summary>The service's dll in its build output; fails when the solution was not built.</summary>
    public static string DllOf(string project)
    {
        var dll = Path.Combine(RepositoryRoot.Path, project, "bin", RepositoryRoot.BuildConfiguration, "net10.0", project + ".dll");
        if (!File.Exists(dll) || !File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution ({RepositoryRoot.BuildConfiguration}) first");
        }

        return dll;
    }

    /// <summary>A loopback port that was free a moment ago (for a setting; the service binds it itself).</summary>
    public static int FreePort() => RedisTestServer.FreePort();

    public static ServiceProcess Start(string name, string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string workingDirectory)
    {
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        // Nothing of the test runner's own configuration leaks into the service: only what the test sets.
        foreach (var key in psi.Environment.Keys.ToList())
        {
            if (key.StartsWith("CERTSTREAM_", StringComparison.OrdinalIgnoreCase) || key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("ConnectionStrings", StringComparison.OrdinalIgnoreCase) || key.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("Logging__", StringComparison.OrdinalIgnoreCase) || key.Equals("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase)
                || key.Contains("__", StringComparison.Ordinal))
            {
                psi.Environment.Remove(key);
            }
        }

        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var service = new ServiceProcess(name, process);
        process.OutputDataReceived += (_, e) => service.OnLine(e.Data, stderr: false);
        process.ErrorDataReceived += (_, e) => service.OnLine(e.Data, stderr: true);
        process.Exited += (_, _) => service.Changed.Fire();
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name} did not start");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }
    }

    /// <summary>SIGTERM: the orderly shutdown an orchestrator asks for.</summary>
    public void Terminate()
    {
        if (!_process.HasExited && SysKill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for the exit and for the last output lines; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Assert.Fail($"{Name} (pid {Pid}) did not exit within {timeout.TotalSeconds:0} s\n{Tail()}");
        }

        return _process.ExitCode;
    }

    /// <summary>The last lines written, for failure messages.</summary>
    public string Tail(int count = 40)
    {
        var lines = Lines;
        return $"--- last {Math.Min(count, lines.Count)} of {lines.Count} lines of {Name} ---\n" + string.Join('\n', lines.TakeLast(count).Select(l => l.Text));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (OperationCanceledException)
        {
            // Reported by the test that needed the exit; disposal must not hang.
        }

        _process.Dispose();
        _ownDirectory?.Delete(recursive: true);
    }

    private void OnLine(string? text, bool stderr)
    {
        if (text is null)
        {
            (stderr ? _stderrClosed : _stdoutClosed).TrySetResult();
            Changed.Fire();
            return;
        }

        lock (_gate)
        {
            _lines.Add(new OutputLine(DateTimeOffset.UtcNow, stderr, text));
        }

        Changed.Fire();
    }

    private static string FindDotnet()
    {
        // The SDK sets DOTNET_HOST_PATH for what it starts; else the dotnet on PATH.
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, "dotnet");
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return "dotnet";
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
