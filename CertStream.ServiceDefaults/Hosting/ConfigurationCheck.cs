using System.Diagnostics;
using CertStream.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CertStream.ServiceDefaults.Hosting;

/// <summary>
/// <c>--validate-config</c>: runs the service's own build code, so the configuration is loaded exactly
/// as a start loads it (YAML file lookup, <c>CERTSTREAM_*</c> variables, command line, Aspire's
/// settings) and the same options are registered, stops it as soon as the service container is built
/// (before endpoints are mapped and before anything starts: nothing listens, nothing connects), then
/// runs every options validation a start runs and the listen setup. Problems found while building
/// (<see cref="SettingProblems"/>) are collected rather than thrown, so all of them are reported.
/// </summary>
public static class ConfigurationCheck
{
    private const int MaxReplacedValues = 64;

    /// <param name="Problems">One line per problem, each naming its key; empty when the configuration is valid.</param>
    /// <param name="ConfigFiles">The YAML files read (null: the service does not read CertStream's config file).</param>
    public sealed record Result(IReadOnlyList<string> Problems, IReadOnlyList<string>? ConfigFiles);

    /// <summary>Checks what <paramref name="build"/> configures. A failure that is not a setting's (a bug) is thrown.</summary>
    public static Result Run(Func<WebApplication> build, string listenSetting)
    {
        var problems = new List<string>();
        using var capture = new HostCapture();
        WebApplication? app = null;
        using (SettingProblems.Collect(problems))
        {
            try
            {
                app = build(); // does not return when the capture worked: it stops the build at "HostBuilt"
            }
            catch (HostCapture.StopBuild)
            {
                // The container is built; the rest of the build code (endpoints) is not needed.
            }
            catch (Exception ex) when (StartupErrors.Describe(ex, listenSetting) is { } lines)
            {
                problems.AddRange(lines);
            }
        }

        var host = (IHost?)capture.Host ?? app;
        try
        {
            if (host is null)
            {
                return new Result(Distinct(problems), null);
            }

            problems.AddRange(ValidateAll(host.Services, capture.Registrations, listenSetting));
            var files = host.Services.GetService<ConfigFiles>()?.Sources.Select(s => s.Path).ToList();
            return new Result(Distinct(problems), files);
        }
        finally
        {
            // Never started: disposing only releases the singletons the validation created.
            if (host is IAsyncDisposable disposable)
            {
                _ = disposable.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            }
        }
    }

    /// <summary>
    /// Every options type registered with <c>AddCertStreamOptions</c> (the services' own, validated on
    /// start), one at a time so that one type's error does not hide another's; then the
    /// host's own start-up validator (ValidateOnStart without a validator type) and Kestrel's options,
    /// whose setup reads the listen address and loads the TLS certificate (it only records endpoints).
    /// </summary>
    private static List<string> ValidateAll(IServiceProvider services, IServiceCollection? registrations, string listenSetting)
    {
        var problems = new List<string>();
        var checks = (registrations ?? Enumerable.Empty<ServiceDescriptor>())
            .Select(d => d.ImplementationInstance)
            .OfType<OptionsCheck>()
            .DistinctBy(c => c.OptionsType);
        var configuration = services.GetRequiredService<IConfiguration>();
        foreach (var options in checks)
        {
            // A value the binder cannot convert stops the binding of its whole options type, which
            // would hide that type's other problems: reported, the key is given its default and the
            // type is checked again.
            for (var replaced = 0; replaced < MaxReplacedValues; replaced++)
            {
                if (Check(() => options.Validate(services)) is not { } key)
                {
                    break;
                }

                configuration[key] = options.DefaultValue(key);
            }
        }

        _ = Check(() => services.GetService<IStartupValidator>()?.Validate());
        _ = Check(() => _ = services.GetService<IOptions<KestrelServerOptions>>()?.Value);
        return problems;

        // Runs one check; returns the key of a value that could not be converted, if that was the problem.
        string? Check(Action check)
        {
            try
            {
                check();
                return null;
            }
            catch (Exception ex)
            {
                problems.AddRange(StartupErrors.Describe(ex, listenSetting) ?? throw new InvalidOperationException("checking the configuration failed", ex));
                return StartupErrors.BindingErrorKey(ex);
            }
        }
    }

    private static List<string> Distinct(List<string> problems) => [.. problems.Where(p => !string.IsNullOrWhiteSpace(p)).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Watches the hosting diagnostics events that every host writes while it is built (the mechanism
    /// EF Core's tools and WebApplicationFactory use): "HostBuilding" gives the service registrations,
    /// "HostBuilt" the built host, and throwing from it stops the service's build code there.
    /// Only the events of the thread that runs the check count (tests build other hosts in parallel).
    /// </summary>
    private sealed class HostCapture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private const string ListenerName = "Microsoft.Extensions.Hosting";

        private readonly int _thread = Environment.CurrentManagedThreadId;
        private readonly List<IDisposable> _subscriptions = [];
        private readonly IDisposable _all;

        public HostCapture() => _all = DiagnosticListener.AllListeners.Subscribe(this);

        public IServiceCollection? Registrations { get; private set; }

        public IHost? Host { get; private set; }

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == ListenerName)
            {
                lock (_subscriptions)
                {
                    _subscriptions.Add(value.Subscribe(this));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (Environment.CurrentManagedThreadId != _thread || Host is not null)
            {
                return;
            }

            switch (value)
            {
                case { Key: "HostBuilding", Value: IHostBuilder builder }:
                    builder.ConfigureServices((_, services) => Registrations = services);
                    break;
                case { Key: "HostBuilt", Value: IHost host }:
                    Host = host;
                    throw new StopBuild();
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            _all.Dispose();
            lock (_subscriptions)
            {
                _subscriptions.ForEach(s => s.Dispose());
            }
        }

        /// <summary>Thrown out of the service's build code once its host is built.</summary>
        public sealed class StopBuild : Exception
        {
            public StopBuild()
                : base("stopped after the host was built, to check its configuration")
            {
            }
        }
    }
}
