using System.Diagnostics;
using System.Text.Json.Nodes;
using CertStream.Tests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace CertStream.Tests.Deploy;

/// <summary>
/// Kubernetes objects rendered offline by <c>kubectl kustomize</c> (or deploy/render.sh, which runs
/// it), as JSON nodes. kubectl is not a Debian package (Debian's kubernetes-client is 1.20, whose
/// kustomize predates what the overlay uses), so without a recent one the tests skip and say why.
/// </summary>
public sealed class RenderedObjects(IReadOnlyList<JsonObject> objects, string yaml)
{
    public const string SecretPlaceholder = "SET-BY-DEPLOY-KUSTOMIZE";

    public IReadOnlyList<JsonObject> All { get; } = objects;

    public string Yaml { get; } = yaml;

    public static string SampleAspirateOutput => Path.Combine(AppContext.BaseDirectory, "TestData", "Deploy", "aspirate-output");

    public JsonObject Get(string kind, string name) =>
        All.SingleOrDefault(o => (string?)o["kind"] == kind && (string?)o["metadata"]!["name"] == name)
        ?? throw new Xunit.Sdk.XunitException($"no {kind}/{name} in the rendered objects");

    public IEnumerable<JsonObject> OfKind(string kind) => All.Where(o => (string?)o["kind"] == kind);

    public static JsonObject Container(JsonObject workload, string name) =>
        workload["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => c!.AsObject()).Single(c => (string?)c["name"] == name);

    /// <summary>Why kubectl cannot render here, or null when it can.</summary>
    public static string? KubectlMissing()
    {
        var kubectl = FindOnPath("kubectl");
        if (kubectl is null)
        {
            return "kubectl is not on PATH (not a Debian package; install a recent kubectl to run the Kubernetes overlay tests)";
        }

        var (exit, output, _) = Run(kubectl, ["version", "--client"], null, null);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("Kustomize Version: v", StringComparison.Ordinal));
        return exit == 0 && line is not null && int.TryParse(line["Kustomize Version: v".Length..].Split('.')[0], out var major) && major >= 5
            ? null
            : $"kubectl at {kubectl} has no kustomize v5 or later ({output.Trim()})";
    }

    /// <summary>Copies the overlay beside a copy of the sample aspirate output and renders it.</summary>
    public static RenderedObjects RenderOverlay()
    {
        var work = Directory.CreateTempSubdirectory("certstream-overlay-").FullName;
        try
        {
            CopyDirectory(SampleAspirateOutput, Path.Combine(work, "out"));
            CopyDirectory(Path.Combine(RepositoryRoot.Path, "deploy", "kustomize"), Path.Combine(work, "kustomize"));
            var (exit, output, error) = Run("kubectl", ["kustomize", Path.Combine(work, "kustomize")], null,
                new Dictionary<string, string?> { ["KUBECONFIG"] = "/nonexistent" });
            Assert.True(exit == 0, $"kubectl kustomize failed: {error}");
            return Parse(output);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public static RenderedObjects Parse(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        var toJson = new SerializerBuilder().JsonCompatible().Build();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        var objects = new List<JsonObject>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (deserializer.Deserialize<object>(parser) is { } document)
            {
                objects.Add(JsonNode.Parse(toJson.Serialize(document))!.AsObject());
            }
        }

        return new RenderedObjects(objects, yaml);
    }

    public static (int Exit, string Output, string Error) Run(string program, IEnumerable<string> args, string? workingDirectory,
        IReadOnlyDictionary<string, string?>? environment)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? RepositoryRoot.Path,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        using var process = Process.Start(psi)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.GetAwaiter().GetResult());
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Where(d => d.Length > 0)
            .Select(d => Path.Combine(d, program))
            .FirstOrDefault(File.Exists);
}
