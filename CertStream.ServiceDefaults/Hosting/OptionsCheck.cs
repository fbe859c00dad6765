using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using CertStream.ServiceDefaults.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CertStream.ServiceDefaults.Hosting;

/// <summary>
/// How <see cref="ConfigurationCheck"/> checks one options type: registered with it by
/// <c>AddCertStreamOptions</c>, where the type is a type parameter, so the check needs no generic
/// method made at run time (which an ahead-of-time compiled service does not have).
/// </summary>
internal sealed class OptionsCheck
{
    private OptionsCheck(Type optionsType, Action<IServiceProvider> validate, Func<string, string?> defaultValue)
    {
        OptionsType = optionsType;
        Validate = validate;
        DefaultValue = defaultValue;
    }

    public Type OptionsType { get; }

    /// <summary>
    /// Binds and validates the type anew. Through the factory, not IOptionsMonitor: the monitor's
    /// cache keeps a failed creation's exception, so a second attempt after a key was blanked would
    /// not bind again.
    /// </summary>
    public Action<IServiceProvider> Validate { get; }

    /// <summary>The default of the property that a key binds, as configuration text; null when unknown.</summary>
    public Func<string, string?> DefaultValue { get; }

    public static OptionsCheck For<[DynamicallyAccessedMembers(OptionsBinder.Members)] TOptions>() where TOptions : class =>
        new(typeof(TOptions),
            static services => _ = services.GetRequiredService<IOptionsFactory<TOptions>>().Create(Options.DefaultName),
            static key => DefaultOf(typeof(TOptions), key));

    // By the key's last segment: the options are flat sections.
    private static string? DefaultOf([DynamicallyAccessedMembers(OptionsBinder.Members)] Type optionsType, string key)
    {
        var name = key[(key.LastIndexOf(':') + 1)..];
        var property = optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance).FirstOrDefault(p =>
            string.Equals(p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name, name, StringComparison.OrdinalIgnoreCase));
        if (property is null || optionsType.GetConstructor(Type.EmptyTypes) is null)
        {
            return null;
        }

        return property.GetValue(Activator.CreateInstance(optionsType)) switch
        {
            null => null,
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            var value => value.ToString(),
        };
    }
}
