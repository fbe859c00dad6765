using System.Collections;
using Microsoft.Extensions.Configuration;

namespace CertStream.ServiceDefaults.Configuration;

/// <summary>Reads the <c>CERTSTREAM_*</c> variables through <see cref="CertStreamEnvironmentVariables"/>.</summary>
public sealed class CertStreamEnvironmentConfigurationSource(IDictionary? variables = null) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) =>
        new Provider(variables ?? Environment.GetEnvironmentVariables());

    private sealed class Provider(IDictionary variables) : ConfigurationProvider
    {
        public override void Load()
        {
            var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry entry in variables)
            {
                if (entry.Key is not string name || !CertStreamEnvironmentVariables.Keys.TryGetValue(name, out var key))
                {
                    continue;
                }

                var value = entry.Value as string ?? "";
                if (CertStreamEnvironmentVariables.Lists.Contains(name))
                {
                    var items = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                    for (var i = 0; i < items.Length; i++)
                    {
                        data[$"{key}:{i}"] = items[i];
                    }
                }
                else
                {
                    data[key] = value.Trim();
                }
            }

            Data = data;
        }
    }
}
