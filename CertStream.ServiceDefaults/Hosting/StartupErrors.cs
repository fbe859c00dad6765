using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using CertStream.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace CertStream.ServiceDefaults.Hosting;

/// <summary>Turns what stopped a start into lines for an operator, when it was a setting's fault.</summary>
public static partial class StartupErrors
{
    /// <summary>
    /// One line per bad setting, each naming it; null when <paramref name="error"/> is not a
    /// setting's fault (a bug: the caller shows the whole exception). <paramref name="listenSetting"/>
    /// names the setting that chose the HTTP address, for a port that is taken.
    /// </summary>
    public static IReadOnlyList<string>? Describe(Exception error, string listenSetting)
    {
        var lines = new List<string>();
        return Collect(error, listenSetting, lines) ? lines : null;
    }

    /// <summary>
    /// The configuration binder's "Failed to convert configuration value at 'key' to type 'T'" (a
    /// value that is not a number, a boolean, one of an enum's names) as one line naming the key and
    /// the variable that sets it; null for any other error. The value is not echoed: it may be secret.
    /// </summary>
    public static string? DescribeBindingError(InvalidOperationException error)
    {
        if (BindingError().Match(error.Message) is not { Success: true } match)
        {
            return null;
        }

        var key = match.Groups["key"].Value;
        var typeName = match.Groups["type"].Value;
        if (typeName.StartsWith("System.Nullable`1[[", StringComparison.Ordinal))
        {
            typeName = typeName["System.Nullable`1[[".Length..].Split(',', ']')[0];
        }

        var expected = typeName switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt16" or "System.UInt32" or "System.UInt64" or "System.Byte" => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a time span (hh:mm:ss)",
            _ when EnumNames(typeName) is { } names => "one of " + names,
            _ => "a value of type " + typeName,
        };
        var variable = CertStreamEnvironmentVariables.Keys.FirstOrDefault(v => string.Equals(v.Value, key, StringComparison.OrdinalIgnoreCase)).Key;
        return variable is null ? $"{key}: the value is not {expected}." : $"{key} ({variable}): the value is not {expected}.";
    }

    /// <summary>The key whose value the configuration binder could not convert; null for any other error.</summary>
    public static string? BindingErrorKey(Exception error) =>
        error is InvalidOperationException && BindingError().Match(error.Message) is { Success: true } match ? match.Groups["key"].Value : null;

    // The enum is an options property's type, kept with its options type (OptionsBinder.Members);
    // were it trimmed away, the line would say "a value of type <name>" instead of listing the names.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Falls back to the type's name when the enum is not found.")]
    private static string? EnumNames(string typeName) =>
        AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName)).FirstOrDefault(t => t is { IsEnum: true }) is { } type
            ? string.Join(", ", Enum.GetNames(type))
            : null;

    [GeneratedRegex("^Failed to convert configuration value (?:'.*' )?at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex BindingError();

    private static bool Collect(Exception error, string listenSetting, List<string> lines)
    {
        switch (error)
        {
            case AggregateException aggregate:
                return aggregate.InnerExceptions.All(inner => Collect(inner, listenSetting, lines));
            case OptionsValidationException validation:
                // One failure per key (the validators' convention); a combined message splits at "; ".
                lines.AddRange(validation.Failures.Where(f => !string.IsNullOrWhiteSpace(f)));
                return true;
            case InvalidSettingException setting:
                lines.Add(setting.Message);
                return true;
            case InvalidOperationException binding when DescribeBindingError(binding) is { } line:
                lines.Add(line);
                return true;
            case IOException { InnerException: AddressInUseException } io:
                // Kestrel: "Failed to bind to address http://0.0.0.0:8080: address already in use."
                lines.Add($"{listenSetting}: {io.Message}");
                return true;
            case SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse or SocketError.AccessDenied or SocketError.AddressNotAvailable } socket:
                // Kestrel lets these through as they are (a port below 1024, an address not on this host).
                lines.Add($"{listenSetting}: cannot listen there: {socket.Message}");
                return true;
            default:
                return false;
        }
    }
}
