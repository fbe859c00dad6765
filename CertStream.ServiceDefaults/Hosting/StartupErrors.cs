using System.Net.Sockets;
using CertStream.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace CertStream.ServiceDefaults.Hosting;

/// <summary>Turns what stopped a start into lines for an operator, when it was a setting's fault.</summary>
public static class StartupErrors
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
