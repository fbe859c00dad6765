using System.Diagnostics.CodeAnalysis;
using CertStream.ServiceDefaults.Configuration;
using CertStream.ServiceDefaults.Hosting;
using CertStream.ServiceDefaults.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class CertStreamConfigurationExtensions
{
    /// <summary>
    /// Adds the YAML file (search order of the reference server) and the <c>CERTSTREAM_*</c>
    /// variables, below the host's own environment variables and command line so that Aspire's
    /// connection strings and parameters still win; environment variables override the file.
    /// With <c>hot_reload:enabled</c> the file (or <c>hot_reload:watch_path</c>) is watched.
    /// Applies <c>log_level</c> (<see cref="LogLevels"/>).
    /// </summary>
    public static TBuilder AddCertStreamConfiguration<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var sources = builder.Configuration.Sources;
        var insertAt = 0;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource)
            {
                insertAt = i;
                break;
            }

            insertAt = i + 1;
        }

        var yamlSources = new List<CertStreamYamlConfigurationSource>();
        var file = FindConfigFile();
        if (file is not null && TryInsert(sources, insertAt, new CertStreamYamlConfigurationSource(file)) is { } yaml)
        {
            yamlSources.Add(yaml);
            insertAt++;
        }

        sources.Insert(insertAt++, new CertStreamEnvironmentConfigurationSource());

        var hotReload = new HotReloadOptions();
        try
        {
            OptionsBinder.Bind(builder.Configuration.GetSection(HotReloadOptions.Section), hotReload);
        }
        catch (InvalidOperationException ex) when (StartupErrors.DescribeBindingError(ex) is { } line)
        {
            SettingProblems.Report(new InvalidSettingException(line, ex));
        }

        if (hotReload.Enabled && !string.IsNullOrWhiteSpace(hotReload.WatchPath)
            && !string.Equals(Path.GetFullPath(hotReload.WatchPath), file, StringComparison.Ordinal))
        {
            if (!File.Exists(hotReload.WatchPath))
            {
                SettingProblems.Report(new InvalidSettingException($"hot_reload:watch_path (CERTSTREAM_HOT_RELOAD_WATCH_PATH): '{hotReload.WatchPath}' does not exist."));
            }
            else if (TryInsert(sources, insertAt - 1, new CertStreamYamlConfigurationSource(hotReload.WatchPath)) is { } watched)
            {
                // A watched file other than the config file overrides it, and the variables still override both.
                yamlSources.Add(watched);
            }
        }

        // Not while only checking the configuration (--validate-config): nothing to watch for.
        if (hotReload.Enabled && !SettingProblems.Collecting)
        {
            foreach (var source in yamlSources)
            {
                source.StartWatching();
            }
        }

        // An invalid value stops the start (LoggingOptionsValidator); until then, the default.
        builder.Logging.ApplyCertStreamLevels(LoggingOptions.TryParseLogLevel(builder.Configuration[LoggingOptions.LogLevelKey], out var level)
            ? level
            : LogLevel.Information);

        builder.Services.AddSingleton(new ConfigFiles(yamlSources, hotReload.Enabled && yamlSources.Count > 0));
        builder.Services.AddSingleton<HotReloadReporter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HotReloadReporter>());
        // Only the mechanism's own settings: each service registers and validates its own options.
        builder.Services.AddCertStreamOptions<LoggingOptions, LoggingOptionsValidator>(null);
        return builder;
    }

    private static string? FindConfigFile()
    {
        try
        {
            return ConfigFileLocator.Find(Environment.GetEnvironmentVariable(CertStreamEnvironmentVariables.ConfigFile), Directory.GetCurrentDirectory());
        }
        catch (InvalidSettingException missing)
        {
            SettingProblems.Report(missing); // under --validate-config: go on without a file, to find the other problems
            return null;
        }
    }

    /// <summary>
    /// Adds a YAML file. The configuration manager loads a source as it is added: a malformed file
    /// throws here, naming the file, or under --validate-config is reported and left out.
    /// </summary>
    private static CertStreamYamlConfigurationSource? TryInsert(IList<IConfigurationSource> sources, int index, CertStreamYamlConfigurationSource source)
    {
        try
        {
            sources.Insert(index, source);
            return source;
        }
        catch (InvalidSettingException malformed)
        {
            sources.Remove(source);
            SettingProblems.Report(malformed);
            return null;
        }
    }

    /// <summary>Binds one options type from its section (null: the root) and validates it at startup.</summary>
    public static IServiceCollection AddCertStreamOptions<
        [DynamicallyAccessedMembers(OptionsBinder.Members)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(this IServiceCollection services, string? section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        var builder = services.AddOptions<TOptions>();
        builder.Configure<IConfiguration>((options, configuration) =>
            OptionsBinder.Bind(section is null ? configuration : configuration.GetSection(section), options));
        builder.ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        services.AddSingleton(OptionsCheck.For<TOptions>());
        return services;
    }

    /// <summary>
    /// Like <see cref="AddCertStreamOptions{TOptions, TValidator}"/>, plus a <see cref="ReloadableOptions{TOptions}"/>
    /// for settings that hot reload may change; rejected changes are logged.
    /// </summary>
    public static IServiceCollection AddReloadableCertStreamOptions<
        [DynamicallyAccessedMembers(OptionsBinder.Members)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(this IServiceCollection services, string? section)
        where TOptions : class, new()
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddCertStreamOptions<TOptions, TValidator>(section);
        services.AddSingleton(sp =>
        {
            var options = new ReloadableOptions<TOptions>(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IOptions<TOptions>>(),
                sp.GetServices<IValidateOptions<TOptions>>(), section);
            var reporter = sp.GetRequiredService<HotReloadReporter>();
            options.Rejected += failures => reporter.ReportRejected(typeof(TOptions).Name, failures);
            return options;
        });
        return services;
    }
}
