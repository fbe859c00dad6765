namespace CertStream.ServiceDefaults.Configuration;

/// <summary>The reference server's search order for the YAML file.</summary>
public static class ConfigFileLocator
{
    public static readonly string[] DefaultCandidates = ["config.yaml", "config.yml", "/etc/certstream/config.yaml"];

    /// <summary>
    /// <c>CERTSTREAM_CONFIG</c> when set (it must exist), else the first of <c>./config.yaml</c>,
    /// <c>./config.yml</c>, <c>/etc/certstream/config.yaml</c> that exists, else null.
    /// </summary>
    public static string? Find(string? explicitPath, string currentDirectory, IEnumerable<string>? candidates = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            var full = Path.GetFullPath(explicitPath, currentDirectory);
            return File.Exists(full)
                ? full
                : throw new InvalidSettingException($"{CertStreamEnvironmentVariables.ConfigFile}: config file '{explicitPath}' does not exist.");
        }

        foreach (var candidate in candidates ?? DefaultCandidates)
        {
            var full = Path.GetFullPath(candidate, currentDirectory);
            if (File.Exists(full))
            {
                return full;
            }
        }

        return null;
    }
}
