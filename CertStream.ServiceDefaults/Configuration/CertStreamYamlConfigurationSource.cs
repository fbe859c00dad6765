using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace CertStream.ServiceDefaults.Configuration;

/// <summary>
/// The YAML config file as a configuration source. Unlike the stock file providers, a reload
/// that fails (malformed YAML, unreadable file) keeps the last good values and raises
/// <see cref="ReloadFailed"/> instead of clearing the data or throwing on a watcher thread.
/// Watching starts only with <see cref="StartWatching"/> (hot reload enabled).
/// </summary>
public sealed class CertStreamYamlConfigurationSource(string path) : IConfigurationSource
{
    private Provider? _provider;

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>Raised with the file and the error when a changed file could not be loaded.</summary>
    public event Action<string, Exception>? ReloadFailed;

    /// <summary>Raised after a changed file was loaded (before validation by its consumers).</summary>
    public event Action<string>? Reloaded;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => _provider ??= new Provider(this);

    public void StartWatching() => (_provider ?? throw new InvalidOperationException("source not built yet")).StartWatching();

    private sealed class Provider(CertStreamYamlConfigurationSource source) : ConfigurationProvider, IDisposable
    {
        private PhysicalFileProvider? _files;
        private IDisposable? _watch;
        private Timer? _debounce;

        public override void Load()
        {
            try
            {
                Data = YamlConfigurationFlattener.Flatten(File.ReadAllText(source.Path));
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidSettingException($"config file '{source.Path}': {ex.Message}", ex);
            }
        }

        public void StartWatching()
        {
            if (_files is not null)
            {
                return;
            }

            _files = new PhysicalFileProvider(System.IO.Path.GetDirectoryName(source.Path)!) { UsePollingFileWatcher = false };
            _debounce = new Timer(_ => Reload());
            _watch = ChangeToken.OnChange(() => _files.Watch(System.IO.Path.GetFileName(source.Path)),
                // Editors write a file in several steps: wait for them to finish.
                () => _debounce.Change(TimeSpan.FromMilliseconds(250), Timeout.InfiniteTimeSpan));
        }

        private void Reload()
        {
            try
            {
                Data = YamlConfigurationFlattener.Flatten(File.ReadAllText(source.Path));
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                source.ReloadFailed?.Invoke(source.Path, ex);
                return;
            }

            source.Reloaded?.Invoke(source.Path);
            OnReload();
        }

        public void Dispose()
        {
            _watch?.Dispose();
            _debounce?.Dispose();
            _files?.Dispose();
        }
    }
}
