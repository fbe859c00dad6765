using System.Diagnostics;

namespace CertStream.AppHost.Redis;

/// <summary>
/// Whether a container runtime answers. Aspire's AddRedis waits forever when the runtime is
/// missing or unhealthy (a warning, no error), so we ask first.
/// </summary>
internal static class ContainerRuntime
{
    public static bool IsAvailable()
    {
        var runtime = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") ?? "docker";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(5000))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not on PATH
        }
    }
}
