namespace CertStream.ServiceDefaults.Hosting;

/// <summary>What the command line asks a service to do besides running.</summary>
public enum OperatorCommandKind
{
    /// <summary>No operator switch: run the service.</summary>
    Run,

    /// <summary><c>--validate-config</c>: check the configuration, print every problem, exit 0 or 1.</summary>
    ValidateConfig,

    /// <summary><c>--version</c>: print the version, exit 0.</summary>
    Version,

    /// <summary><c>--help</c>, <c>-h</c>, <c>-?</c>: print the usage, exit 0.</summary>
    Help,
}

/// <summary>
/// The operator switches of every service, picked out of the command line. The rest of the
/// arguments are configuration (<c>--key value</c>, <c>--key=value</c>) and go to the host
/// without the switches: left in, <c>--validate-config --urls http://…</c> would read as the key
/// <c>validate-config</c> with the value <c>--urls</c>.
/// </summary>
public sealed record OperatorCommand(OperatorCommandKind Kind, string[] ConfigurationArgs)
{
    public const string ValidateConfigSwitch = "--validate-config";
    public const string VersionSwitch = "--version";
    public const string HelpSwitch = "--help";

    public static OperatorCommand Parse(string[] args)
    {
        var rest = new List<string>(args.Length);
        var kind = OperatorCommandKind.Run;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var found = arg switch
            {
                HelpSwitch or "-h" or "-?" => OperatorCommandKind.Help,
                VersionSwitch => OperatorCommandKind.Version,
                ValidateConfigSwitch => OperatorCommandKind.ValidateConfig,
                _ => OperatorCommandKind.Run,
            };
            if (found != OperatorCommandKind.Run)
            {
                // Several switches: help first, then version, then validation (the enum's order).
                kind = (OperatorCommandKind)Math.Max((int)kind, (int)found);
                continue;
            }

            rest.Add(arg);
            // A "--key value" pair, as the command-line configuration provider reads it: the value is
            // configuration even if it looks like a switch.
            if (IsKeyWithoutValue(arg) && i + 1 < args.Length)
            {
                rest.Add(args[++i]);
            }
        }

        return new OperatorCommand(kind, [.. rest]);
    }

    private static bool IsKeyWithoutValue(string arg) =>
        (arg.StartsWith("--", StringComparison.Ordinal) || arg.StartsWith('/')) && !arg.Contains('=', StringComparison.Ordinal);
}
