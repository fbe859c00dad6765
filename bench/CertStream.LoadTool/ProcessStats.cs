using System.Diagnostics;
using System.Globalization;

namespace CertStream.LoadTool;

/// <summary>CPU time and memory of another process, read from /proc (Linux only).</summary>
internal static class ProcessStats
{
    private static readonly Lazy<double> TicksPerSecond = new(ReadClockTicks);

    /// <summary>User + system CPU time the process has used so far.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var (user, system) = CpuTimes(pid);
        return user + system;
    }

    /// <summary>User and system (kernel) CPU time the process has used so far.</summary>
    public static (TimeSpan User, TimeSpan System) CpuTimes(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (TimeSpan.FromSeconds(long.Parse(fields[11], CultureInfo.InvariantCulture) / TicksPerSecond.Value),
            TimeSpan.FromSeconds(long.Parse(fields[12], CultureInfo.InvariantCulture) / TicksPerSecond.Value));
    }

    /// <summary>A line of /proc/pid/status in kB (VmHWM: peak RSS, VmRSS: current RSS).</summary>
    public static long StatusKb(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    /// <summary>The process that has a listening TCP socket on the port (from /proc/net/tcp{,6} and /proc/*/fd).</summary>
    public static int? FindListener(int port)
    {
        var inodes = new HashSet<string>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = parts[1];
                if (parts[3] == "0A" && int.Parse(local[(local.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    inodes.Add($"socket:[{parts[9]}]");
                }
            }
        }

        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target))
                    {
                        return pid;
                    }
                }
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
            }
        }

        return null;
    }

    private static double ReadClockTicks()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })!;
            var text = getconf.StandardOutput.ReadToEnd().Trim();
            getconf.WaitForExit();
            return double.Parse(text, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or FormatException)
        {
            return 100; // USER_HZ on every common Linux build
        }
    }
}

/// <summary>A process the report covers: its label and pid, with its CPU time at the start of the window.</summary>
internal sealed class WatchedProcess(string label, int pid)
{
    private TimeSpan _user;
    private TimeSpan _system;

    public string Label { get; } = label;

    public int Pid { get; } = pid;

    public TimeSpan User { get; private set; }

    public TimeSpan System { get; private set; }

    public TimeSpan Cpu => User + System;

    public double PeakRssMb { get; private set; }

    public double RssMb { get; private set; }

    /// <summary>RSS split into anonymous (heaps, stacks), file-backed (mapped assemblies) and shared (double-mapped JIT code) memory, in MB.</summary>
    public (double Anon, double File, double Shmem) RssParts { get; private set; }

    public bool Exited { get; private set; }

    /// <summary>Resolves <c>LABEL=PID</c>, <c>PID</c> or a command-line fragment that matches exactly one process.</summary>
    public static WatchedProcess Resolve(string spec)
    {
        var label = spec;
        var target = spec;
        var eq = spec.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0)
        {
            label = spec[..eq];
            target = spec[(eq + 1)..];
        }

        if (int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return new WatchedProcess(eq > 0 ? label : Name(pid), pid);
        }

        var self = Environment.ProcessId;
        var matches = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var candidate) && candidate != self)
            {
                try
                {
                    var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                    if (cmdline.Contains(target, StringComparison.Ordinal))
                    {
                        matches.Add(candidate);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                }
            }
        }

        return matches.Count == 1
            ? new WatchedProcess(label, matches[0])
            : throw new ArgumentException($"--watch {spec}: {matches.Count} processes match '{target}' ({string.Join(", ", matches)}); give LABEL=PID");
    }

    public void Start()
    {
        (_user, _system) = ProcessStats.CpuTimes(Pid);
    }

    public void Stop()
    {
        try
        {
            var (user, system) = ProcessStats.CpuTimes(Pid);
            User = user - _user;
            System = system - _system;
            PeakRssMb = ProcessStats.StatusKb(Pid, "VmHWM") / 1024.0;
            RssMb = ProcessStats.StatusKb(Pid, "VmRSS") / 1024.0;
            RssParts = (ProcessStats.StatusKb(Pid, "RssAnon") / 1024.0, ProcessStats.StatusKb(Pid, "RssFile") / 1024.0, ProcessStats.StatusKb(Pid, "RssShmem") / 1024.0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Exited = true;
        }
    }

    private static string Name(int pid)
    {
        try
        {
            var parts = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            // "dotnet X.dll" is named after the dll; anything else after its executable.
            var dll = parts.FirstOrDefault(p => p.EndsWith(".dll", StringComparison.Ordinal));
            return Path.GetFileNameWithoutExtension(dll ?? parts.FirstOrDefault() ?? pid.ToString(CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return pid.ToString(CultureInfo.InvariantCulture);
        }
    }
}
