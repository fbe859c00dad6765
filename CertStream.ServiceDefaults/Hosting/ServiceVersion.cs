using System.Reflection;
using System.Runtime.InteropServices;

namespace CertStream.ServiceDefaults.Hosting;

/// <summary>
/// What <c>--version</c> prints: the service assembly's version, its informational version (the SDK
/// appends <c>+&lt;commit&gt;</c> from git, via its built-in Source Link, when the build ran in a
/// repository) and the .NET runtime it runs on.
/// </summary>
public sealed record ServiceVersion(string Product, string Informational, string? Commit, string Runtime)
{
    public static ServiceVersion Of(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "unknown";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var product = plus < 0 ? informational : informational[..plus];
        var commit = plus < 0 ? null : informational[(plus + 1)..];
        return new ServiceVersion(product, informational, commit, $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})");
    }

    public IEnumerable<string> Lines(string service)
    {
        yield return $"{service} {Product}";
        yield return $"informational version: {Informational}";
        yield return $"commit: {Commit ?? "unknown (built outside a git repository)"}";
        yield return $"runtime: {Runtime}";
    }
}
