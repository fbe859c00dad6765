namespace CertStream.ServiceDefaults.Hosting;

/// <summary>What the operator switches print (<see cref="OperatorCommand"/>); every line starts with the service's name.</summary>
public static class OperatorOutput
{
    public static void Help(string service, TextWriter output)
    {
        output.WriteLine($"{service}: a CertStream service (README: \"Operator CLI\", \"Configuration\").");
        output.WriteLine();
        output.WriteLine("Usage: dotnet <service>.dll [switch] [--<key> <value> ...]");
        output.WriteLine();
        output.WriteLine($"  {OperatorCommand.ValidateConfigSwitch,-18} load the configuration as a start would (config file, CERTSTREAM_* variables,");
        output.WriteLine($"  {"",-18} command line), run every check a start runs, print every problem and exit:");
        output.WriteLine($"  {"",-18} 0 valid, 1 not. Connects to nothing (Redis, CT logs) and listens on nothing.");
        output.WriteLine($"  {OperatorCommand.VersionSwitch,-18} print the version, the commit it was built from and the .NET runtime");
        output.WriteLine($"  {OperatorCommand.HelpSwitch + ", -h",-18} print this help");
        output.WriteLine();
        output.WriteLine("Other --<key> <value> (or --<key>=<value>) arguments are settings, e.g. --urls http://0.0.0.0:8080 or");
        output.WriteLine("--ct_log:batch_size 128; they override the config file and the variables.");
        output.WriteLine("Exit codes: 0 stopped normally, 1 a setting stopped the start, 70 any other failure.");
    }

    public static void Version(string service, ServiceVersion version, TextWriter output)
    {
        foreach (var line in version.Lines(service))
        {
            output.WriteLine(line);
        }
    }

    /// <summary>Prints the outcome of <c>--validate-config</c>: problems on <paramref name="error"/>; true when valid.</summary>
    public static bool ValidationResult(string service, ConfigurationCheck.Result result, TextWriter output, TextWriter error)
    {
        var files = result.ConfigFiles switch
        {
            null => "no CertStream config file: this service reads its settings from the environment and the command line",
            [] => "no config file found ($CERTSTREAM_CONFIG, ./config.yaml, ./config.yml, /etc/certstream/config.yaml): defaults, CERTSTREAM_* variables and the command line",
            var list => "config file " + string.Join(", ", list),
        };
        if (result.Problems.Count == 0)
        {
            output.WriteLine($"{service}: configuration is valid ({files})");
            return true;
        }

        foreach (var problem in result.Problems)
        {
            error.WriteLine($"{service}: {problem}");
        }

        error.WriteLine($"{service}: configuration is invalid: {result.Problems.Count} problem{(result.Problems.Count == 1 ? "" : "s")} ({files})");
        return false;
    }
}
