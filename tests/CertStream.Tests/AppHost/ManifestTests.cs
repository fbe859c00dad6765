using System.Diagnostics;
using System.Text.Json;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.AppHost;

/// <summary>
/// The Aspire manifest is what aspirate turns into Kubernetes objects: it must hold every service
/// and Redis, with only resource types aspirate supports (executables are skipped by it).
/// </summary>
public sealed class ManifestTests
{
    private static readonly HashSet<string> AspirateTypes =
        ["project.v0", "project.v1", "container.v0", "container.v1", "dockerfile.v0", "parameter.v0", "value.v0"];

    [Fact]
    public async Task ManifestHoldsEveryServiceWithSupportedTypesOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = Path.Combine(Directory.CreateTempSubdirectory("certstream-manifest-").FullName, "aspire-manifest.json");
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "run", "--project", "src/CertStream.AppHost", "--no-build", "-c", RepositoryRoot.BuildConfiguration,
                     "--", "--publisher", "manifest", "--output-path", output })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
        Assert.True(process.ExitCode == 0, $"manifest publisher failed: {await stdout}\n{await stderr}");

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(output, ct));
        var resources = manifest.RootElement.GetProperty("resources");
        var types = new Dictionary<string, string>();
        foreach (var resource in resources.EnumerateObject())
        {
            types[resource.Name] = resource.Value.GetProperty("type").GetString()!;
        }

        Assert.Equal("container.v0", types["redis"]);
        Assert.Equal("project.v0", types["ingestor"]);
        Assert.Equal("project.v0", types["gateway"]);
        Assert.Equal("project.v0", types["proxy"]);
        Assert.Equal("parameter.v0", types["auth-tokens"]);
        Assert.Equal("parameter.v0", types["ct-logs-url"]);
        Assert.All(types, t => Assert.Contains(t.Value, AspirateTypes));

        var tokens = resources.GetProperty("auth-tokens").GetProperty("inputs").GetProperty("value");
        Assert.True(tokens.GetProperty("secret").GetBoolean());
        Assert.Equal("{redis.connectionString}",
            resources.GetProperty("gateway").GetProperty("env").GetProperty("ConnectionStrings__redis").GetString());
        Assert.Equal("{redis.connectionString}",
            resources.GetProperty("ingestor").GetProperty("env").GetProperty("ConnectionStrings__redis").GetString());

        // aspirate writes container args unquoted: only plain words survive as strings.
        foreach (var arg in resources.GetProperty("redis").GetProperty("args").EnumerateArray())
        {
            var text = arg.GetString()!;
            Assert.False(text.Length == 0 || double.TryParse(text, out _) || text is "yes" or "no" or "true" or "false", text);
        }
    }
}
