using CertStream.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Program.cs of every service: builds and runs the host, and turns a failed start into what an
/// operator can act on. Exit codes: 0 stopped normally; 1 a setting stopped the start (bad
/// value, missing file, port taken): one line per setting on stderr, naming it; 70 any other
/// start failure (a bug): the exception with its stack trace on stderr, or a background service
/// that failed and stopped the host. No unhandled exception, so no SIGABRT and no core dump.
/// </summary>
public static class CertStreamServiceRunner
{
    public const int ExitOk = 0;
    public const int ExitBadSetting = 1;
    public const int ExitInternalError = 70; // EX_SOFTWARE (sysexits.h)

    /// <summary>
    /// Runs the service, or answers an operator switch of the command line (<see cref="OperatorCommand"/>):
    /// <c>--validate-config</c> (exit 0 valid, 1 not), <c>--version</c>, <c>--help</c>.
    /// </summary>
    /// <param name="service">The name the lines start with, e.g. <c>certstream-gateway</c>.</param>
    /// <param name="listenSetting">The service's own setting for its HTTP port, named when the port is taken.</param>
    /// <param name="args">The command line.</param>
    /// <param name="build">Builds the application (configuration, services, endpoints) from the command line without the operator switches.</param>
    public static int Run(string service, string listenSetting, string[] args, Func<string[], WebApplication> build)
    {
        var command = OperatorCommand.Parse(args);
        WebApplication Build() => build(command.ConfigurationArgs);
        switch (command.Kind)
        {
            case OperatorCommandKind.Help:
                OperatorOutput.Help(service, Console.Out);
                return ExitOk;
            case OperatorCommandKind.Version:
                // The assembly of the build code is the service's own (Program.cs).
                OperatorOutput.Version(service, ServiceVersion.Of(build.Method.Module.Assembly), Console.Out);
                return ExitOk;
            case OperatorCommandKind.ValidateConfig:
                return ValidateConfig(service, listenSetting, Build);
            default:
                return Run(service, listenSetting, Build);
        }
    }

    private static int ValidateConfig(string service, string listenSetting, Func<WebApplication> build)
    {
        try
        {
            var result = ConfigurationCheck.Run(build, listenSetting);
            return OperatorOutput.ValidationResult(service, result, Console.Out, Console.Error) ? ExitOk : ExitBadSetting;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"{service}: failed to check the configuration: {ex}");
            return ExitInternalError;
        }
    }

    /// <summary>Builds and runs the service; a failed start becomes exit code 1 (a setting) or 70.</summary>
    private static int Run(string service, string listenSetting, Func<WebApplication> build)
    {
        WebApplication? app = null;
        var setting = listenSetting;
        var stopping = CancellationToken.None;
        try
        {
            app = build();
            // Read now: a host whose start failed is disposed by the time the error arrives here.
            setting = AspNetCoreAddresses.GivenBy(app.Configuration) ?? listenSetting;
            stopping = app.Lifetime.ApplicationStopping;
            // The same singletons the host starts; kept to see afterwards whether one of them failed.
            var background = app.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
            app.Run();
            // Until .NET 11 a background service that fails stops the host, and Run returns normally.
            if (background.Any(b => b.ExecuteTask is { IsFaulted: true }))
            {
                Console.Error.WriteLine($"{service}: stopped because a background service failed (logged above)");
                return ExitInternalError;
            }

            return ExitOk;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return ExitOk; // SIGTERM/Ctrl+C while starting: a normal stop
        }
        catch (Exception ex)
        {
            if (StartupErrors.Describe(ex, setting) is { Count: > 0 } lines)
            {
                foreach (var line in lines)
                {
                    Console.Error.WriteLine($"{service}: {line}");
                }

                return ExitBadSetting;
            }

            Console.Error.WriteLine($"{service}: failed to start: {ex}");
            return ExitInternalError;
        }
        finally
        {
            // Flushes the console logger's queue; a host that failed to start may hang in disposal.
            if (app is not null)
            {
                _ = app.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            }
        }
    }
}
