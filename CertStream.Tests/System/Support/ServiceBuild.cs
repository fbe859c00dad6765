using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.SystemTests.Support;

/// <summary>
/// The build output of each service, as <c>dotnet build</c> of the solution (or of this test project,
/// which references them) leaves it: <c>{project}/bin/{configuration}/net10.0/{project}.dll</c> with its own
/// runtimeconfig and deps, run with the <c>dotnet</c> host exactly as a published framework-dependent app.
/// </summary>
public static class ServiceBuild
{
    public const string Ingestor = "CertStream.Ingestor";
    public const string Gateway = "CertStream.Gateway";
    public const string Simulator = "CertStream.CtLogSimulator";
    public const string Proxy = "CertStream.Proxy";

    public static string DotnetHost { get; } = FindDotnet();

    public static string DllOf(string project)
    {
        var dll = Path.Combine(RepositoryRoot.Path, project, "bin", RepositoryRoot.BuildConfiguration, "net10.0", project + ".dll");
        if (!File.Exists(dll) || !File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution ({RepositoryRoot.BuildConfiguration}) first");
        }

        return dll;
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
}
