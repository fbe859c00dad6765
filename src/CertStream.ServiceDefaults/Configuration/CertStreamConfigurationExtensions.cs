using CertStream.ServiceDefaults.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NetEscapades.Configuration.Yaml;

namespace Microsoft.Extensions.Hosting;

public static class CertStreamConfigurationExtensions
{
    /// <summary>
    /// Adds the YAML file (search order of the reference server) and the <c>CERTSTREAM_*</c>
    /// variables, below the host's own environment variables and command line so that Aspire's
    /// connection strings and parameters still win; environment variables override the file.
    /// Applies <c>log_level</c>.
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

        var file = ConfigFileLocator.Find(Environment.GetEnvironmentVariable(CertStreamEnvironmentVariables.ConfigFile), Directory.GetCurrentDirectory());
        if (file is not null)
        {
            var yaml = new YamlConfigurationSource { Path = file, Optional = false, ReloadOnChange = true };
            yaml.ResolveFileProvider();
            try
            {
                // The configuration manager loads a source as it is added: a malformed file throws here.
                sources.Insert(insertAt++, yaml);
            }
            catch (Exception ex) when (ex is FormatException or InvalidDataException or YamlDotNet.Core.YamlException)
            {
                throw new InvalidOperationException($"config file '{file}' is not valid YAML: {ex.Message}", ex);
            }
        }

        sources.Insert(insertAt, new CertStreamEnvironmentConfigurationSource());

        builder.Properties["CertStream:ConfigFile"] = file ?? "";
        var level = builder.Configuration["log_level"];
        if (level is not null && ServerOptions.TryParseLogLevel(level, out var parsed))
        {
            builder.Logging.SetMinimumLevel(parsed);
        }

        builder.Services.AddCertStreamOptions<ServerOptions, ServerOptionsValidator>(null);
        builder.Services.AddCertStreamOptions<ProtocolOptions, ProtocolOptionsValidator>(ProtocolOptions.Section);
        return builder;
    }

    /// <summary>Binds one options type from its section (null: the root) and validates it at startup.</summary>
    public static IServiceCollection AddCertStreamOptions<TOptions, TValidator>(this IServiceCollection services, string? section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        var builder = services.AddOptions<TOptions>();
        builder.Configure<IConfiguration>((options, configuration) =>
            (section is null ? configuration : configuration.GetSection(section)).Bind(options));
        builder.ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services;
    }
}
