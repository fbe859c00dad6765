using System.Diagnostics.CodeAnalysis;
using CertStream.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace CertStream.ServiceDefaults.Configuration;

/// <summary>
/// Options that follow configuration reloads (hot reload) but only ever hold a validated value:
/// a reloaded value that fails its validators, or that cannot be converted to its property's type,
/// is rejected (<see cref="Rejected"/>) and the last good one stays in force. <see cref="Changed"/>
/// fires once per accepted change.
/// </summary>
public sealed class ReloadableOptions<[DynamicallyAccessedMembers(OptionsBinder.Members)] TOptions> : IDisposable where TOptions : class, new()
{
    private readonly IConfiguration _configuration;
    private readonly string? _section;
    private readonly IValidateOptions<TOptions>[] _validators;
    private readonly IDisposable _subscription;
    private TOptions _current;

    public ReloadableOptions(IConfiguration configuration, IOptions<TOptions> startup, IEnumerable<IValidateOptions<TOptions>> validators, string? section)
    {
        _configuration = configuration;
        _section = section;
        _validators = validators.ToArray();
        _current = startup.Value; // validated at startup (ValidateOnStart)
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, OnReload);
    }

    public TOptions Current => Volatile.Read(ref _current);

    /// <summary>(previous, current) after an accepted change.</summary>
    public event Action<TOptions, TOptions>? Changed;

    /// <summary>The validation failures of a rejected change.</summary>
    public event Action<IReadOnlyList<string>>? Rejected;

    private void OnReload()
    {
        var candidate = new TOptions();
        try
        {
            OptionsBinder.Bind(_section is null ? _configuration : _configuration.GetSection(_section), candidate);
        }
        catch (InvalidOperationException ex) when (StartupErrors.DescribeBindingError(ex) is { } problem)
        {
            // A value the binder cannot convert ("per_second: lots"). This runs on the file watcher's
            // timer, where the exception would end the process: rejected like a value that fails validation.
            Rejected?.Invoke([problem]);
            return;
        }
        var failures = new List<string>();
        foreach (var validator in _validators)
        {
            var result = validator.Validate(Options.DefaultName, candidate);
            if (result.Failed)
            {
                failures.AddRange(result.Failures);
            }
        }

        if (failures.Count > 0)
        {
            Rejected?.Invoke(failures);
            return;
        }

        var previous = Interlocked.Exchange(ref _current, candidate);
        Changed?.Invoke(previous, candidate);
    }

    public void Dispose() => _subscription.Dispose();
}
