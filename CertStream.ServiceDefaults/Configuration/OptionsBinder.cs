using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;

namespace CertStream.ServiceDefaults.Configuration;

/// <summary>
/// Binds CertStream's options types (every service's, through <c>AddCertStreamOptions</c> and
/// <see cref="ReloadableOptions{TOptions}"/>, and the configuration's own). The reflection binder,
/// not the configuration binding generator: that one binds only types it sees at a call site (these
/// are type parameters) and sets no init-only property into an existing object (all of ours are).
/// </summary>
internal static class OptionsBinder
{
    /// <summary>What the reflection binder (and the configuration check's defaults) use of an options type.</summary>
    public const DynamicallyAccessedMemberTypes Members =
        DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicProperties;

    // Safe when trimmed or compiled ahead of time (the gateway's Native AOT build) because the options
    // are flat: public properties (kept by the annotation) of numbers, booleans, strings, enums and
    // List<string>, whose members the binder reaches by reflection and which are kept below. A property
    // of another collection type needs its own DynamicDependency here (the AOT gateway's tokens and
    // trusted proxies were silently left empty without it).
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Flat options types; their members and List<string>'s are kept.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Flat options types: no generic instantiation over a value type at run time.")]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(List<string>))]
    public static void Bind<[DynamicallyAccessedMembers(Members)] TOptions>(IConfiguration configuration, TOptions options)
        where TOptions : class =>
        configuration.Bind(options);
}
