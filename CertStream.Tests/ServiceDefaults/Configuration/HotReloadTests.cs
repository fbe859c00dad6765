using CertStream.Gateway.Options;
using CertStream.ServiceDefaults.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace CertStream.Tests.ServiceDefaults.Configuration;

/// <summary>Hot reload of the YAML file: good changes apply, bad ones are rejected and the last good config stays.</summary>
public sealed class HotReloadTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly string _dir = Directory.CreateTempSubdirectory("certstream-reload-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (CertStreamYamlConfigurationSource Source, IConfigurationRoot Config, string Path) Watch(string yaml)
    {
        var path = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(path, yaml);
        var source = new CertStreamYamlConfigurationSource(path);
        var config = new ConfigurationBuilder().Add(source).Build();
        source.StartWatching();
        return (source, config, path);
    }

    private static ReloadableOptions<ServerOptions> Reloadable(IConfiguration config)
    {
        var startup = new ServerOptions();
        config.Bind(startup);
        return new ReloadableOptions<ServerOptions>(config, Options.Create(startup), [new ServerOptionsValidator()], section: null);
    }

    [Fact]
    public async Task AValidChangeIsApplied()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, config, path) = Watch("buffer_size: 10\n");
        using var options = Reloadable(config);
        var changed = new TaskCompletionSource<(ServerOptions Old, ServerOptions New)>(TaskCreationOptions.RunContinuationsAsynchronously);
        options.Changed += (o, n) => changed.TrySetResult((o, n));

        await File.WriteAllTextAsync(path, "buffer_size: 20\n", ct);
        var (old, @new) = await changed.Task.WaitAsync(Patience, ct);
        Assert.Equal(10, old.BufferSize);
        Assert.Equal(20, @new.BufferSize);
        Assert.Equal(20, options.Current.BufferSize);
    }

    [Fact]
    public async Task MalformedYamlIsRejectedAndTheLastGoodValuesStay()
    {
        var ct = TestContext.Current.CancellationToken;
        var (source, config, path) = Watch("buffer_size: 10\n");
        using var options = Reloadable(config);
        var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.ReloadFailed += (_, ex) => failed.TrySetResult(ex);
        options.Changed += (_, _) => Assert.Fail("a malformed file must not change anything");

        await File.WriteAllTextAsync(path, "buffer_size: [20,\n", ct);
        var error = await failed.Task.WaitAsync(Patience, ct);
        Assert.IsType<FormatException>(error);
        Assert.Equal("10", config["buffer_size"]);
        Assert.Equal(10, options.Current.BufferSize);
    }

    [Fact]
    public async Task AnInvalidValueIsRejectedAndTheLastGoodValuesStay()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, config, path) = Watch("buffer_size: 10\n");
        using var options = Reloadable(config);
        var rejected = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        options.Rejected += failures => rejected.TrySetResult(failures);

        await File.WriteAllTextAsync(path, "buffer_size: 0\n", ct);
        var failures = await rejected.Task.WaitAsync(Patience, ct);
        Assert.Contains(failures, f => f.Contains("buffer_size"));
        Assert.Equal(10, options.Current.BufferSize);
    }

    [Fact]
    public async Task AValueOfTheWrongTypeIsRejectedNamingItsKey()
    {
        // The binder throws for it, on the file watcher's timer thread: before, that ended the process.
        var ct = TestContext.Current.CancellationToken;
        var (_, config, path) = Watch("buffer_size: 10\n");
        using var options = Reloadable(config);
        var rejected = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        options.Rejected += failures => rejected.TrySetResult(failures);

        await File.WriteAllTextAsync(path, "buffer_size: lots\n", ct);
        var failures = await rejected.Task.WaitAsync(Patience, ct);
        Assert.Equal("buffer_size (CERTSTREAM_BUFFER_SIZE): the value is not a whole number.", Assert.Single(failures));
        Assert.Equal(10, options.Current.BufferSize);
    }
}
