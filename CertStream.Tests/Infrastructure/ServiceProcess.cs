using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CertStream.Tests.Infrastructure;

/// <summary>
/// A built service (<c>dotnet &lt;project&gt;/bin/…/&lt;project&gt;.dll</c>) run as an operator runs it:
/// its own process, configured only by the given environment (inherited CERTSTREAM_*, ASPNETCORE_*,
/// Logging__* and ConnectionStrings__* variables are removed), in an empty working directory so that
/// no config.yaml is found. Lines of stdout and stderr are collected as they arrive.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    public const string Gateway = "CertStream.Gateway";
    public const string Ingestor = "CertStream.Ingestor";

    private static readonly string[] RemovedPrefixes = ["CERTSTREAM_", "ASPNETCORE_", "DOTNET_ENVIRONMENT", "Logging__", "ConnectionStrings__", "OTEL_"];

    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(string project, IReadOnlyDictionary<string, string> environment)
    {
        _directory = Directory.CreateTempSubdirectory("certstream-process-");
        var dll = Path.Combine(RepositoryRoot.Path, project, "bin", RepositoryRoot.BuildConfiguration, "net10.0", project + ".dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory.FullName,
        };
        psi.ArgumentList.Add(dll);
        foreach (var name in psi.Environment.Keys.Where(k => RemovedPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            psi.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }

        _process = Process.Start(psi) ?? throw new InvalidOperationException($"{project} did not start");
        _process.OutputDataReceived += (_, e) => Collect(e.Data, _stdout, _stdoutClosed);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data, _stderr, _stderrClosed);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IReadOnlyList<string> Stdout => [.. _stdout];

    public IReadOnlyList<string> Stderr => [.. _stderr];

    public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string> environment) => new(project, environment);

    /// <summary>Runs the service until it exits by itself; the exit code and everything it wrote.</summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)> RunToExitAsync(
        string project, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken ct)
    {
        await using var service = Start(project, environment);
        var exitCode = await service.WaitForExitAsync(timeout, ct);
        return (exitCode, service.Stdout, service.Stderr);
    }

    /// <summary>The exit code, once the process has exited and both streams are drained.</summary>
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
            Assert.Fail($"still running after {timeout}; stdout: {string.Join('\n', Stdout)}; stderr: {string.Join('\n', Stderr)}");
        }

        return _process.ExitCode;
    }

    /// <summary>A loopback port that was free a moment ago (for a setting; the service binds it itself).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _directory.Delete(recursive: true);
    }

    private static void Collect(string? line, ConcurrentQueue<string> lines, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
        }
        else
        {
            lines.Enqueue(line);
        }
    }
}
