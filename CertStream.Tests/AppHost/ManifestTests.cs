using System.Diagnostics;
using System.Text.Json;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.AppHost;

/// <summary>
/// The Aspire manifest is what aspirate turns into Kubernetes objects: it must hold every service
/// and Redis, with only resource types aspirate supports (executables are skipped by it). Only real
/// secrets are parameters (aspirate replaces a parameter it is not given with a random string, even
/// one with a default), forwarded headers are not trusted from everyone, and no https binding
/// invites a dead 8443 port.
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
        foreach (var arg in new[] { "run", "--project", "CertStream.AppHost", "--no-build", "-c", RepositoryRoot.BuildConfiguration,
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
        Assert.All(types, t => Assert.Contains(t.Value, AspirateTypes));
        Assert.Equal(["auth-tokens", "redis-password"], types.Where(t => t.Value == "parameter.v0").Select(t => t.Key).Order());
        foreach (var parameter in new[] { "auth-tokens", "redis-password" })
        {
            Assert.True(resources.GetProperty(parameter).GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean(), parameter);
        }

        Assert.Equal("https://www.gstatic.com/ct/log_list/v3/all_logs_list.json",
            resources.GetProperty("ingestor").GetProperty("env").GetProperty("CERTSTREAM_CT_LOGS_URL").GetString());
        Assert.Equal("false", resources.GetProperty("gateway").GetProperty("env").GetProperty("CERTSTREAM_AUTH_ENABLED").GetString());
        Assert.Equal("{auth-tokens.value}", resources.GetProperty("gateway").GetProperty("env").GetProperty("CERTSTREAM_AUTH_TOKENS").GetString());
        foreach (var project in new[] { "ingestor", "gateway", "proxy" })
        {
            var env = resources.GetProperty(project).GetProperty("env");
            Assert.False(env.TryGetProperty("ASPNETCORE_FORWARDEDHEADERS_ENABLED", out _), project);
            Assert.False(env.TryGetProperty("CERTSTREAM_TRUSTED_PROXIES", out _), project); // the cluster's, set by deploy/kustomize
            Assert.DoesNotContain(resources.GetProperty(project).GetProperty("bindings").EnumerateObject(),
                b => b.Value.GetProperty("scheme").GetString() == "https");
        }
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
