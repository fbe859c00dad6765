using System.Collections;
using CertStream.ServiceDefaults.Configuration;
using Microsoft.Extensions.Configuration;

namespace CertStream.Tests.Infrastructure;

/// <summary>The production configuration sources (YAML file + CERTSTREAM_* variables) over a temp file and a given environment.</summary>
public static class TestConfiguration
{
    public static IConfiguration Build(string directory, string? yaml, IDictionary environment)
    {
        var builder = new ConfigurationBuilder();
        if (yaml is not null)
        {
            var path = Path.Combine(directory, "config.yaml");
            File.WriteAllText(path, yaml);
            builder.Add(new CertStreamYamlConfigurationSource(path));
        }

        builder.Add(new CertStreamEnvironmentConfigurationSource(environment));
        return builder.Build();
    }
}
