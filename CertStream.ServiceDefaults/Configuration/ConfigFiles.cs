namespace CertStream.ServiceDefaults.Configuration;

/// <summary>The YAML files this process reads its configuration from, and whether they are watched.</summary>
public sealed record ConfigFiles(IReadOnlyList<CertStreamYamlConfigurationSource> Sources, bool Watching);
