using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Verification;

/// <summary>Section <c>verification:</c>: what the ingestor checks of each log, and what it does with a log that fails (README "Verification").</summary>
public sealed class VerificationOptions
{
    public const string Section = "verification";

    /// <summary>Verify tree heads, proofs and precert entries at all.</summary>
    [ConfigurationKeyName("enabled")] public bool Enabled { get; init; } = true;

    /// <summary><c>mark</c>: keep streaming a log that failed, its entries marked <c>integrity: log_unverified</c>; <c>stop</c>: stop streaming it.</summary>
    [ConfigurationKeyName("on_failure")] public string OnFailure { get; init; } = "mark";

    /// <summary>RFC 6962 logs: check get-sth-consistency between each verified tree head and the next.</summary>
    [ConfigurationKeyName("consistency_proofs")] public bool ConsistencyProofs { get; init; } = true;

    /// <summary>Static-ct-api logs: check that the data tiles fetched hash, through the hash tiles, to the verified checkpoint's root.</summary>
    [ConfigurationKeyName("tile_hashes")] public bool TileHashes { get; init; } = true;

    /// <summary>RFC 6962 logs: entries per fetched batch whose inclusion in the verified tree is checked with get-proof-by-hash (0: none).</summary>
    [ConfigurationKeyName("inclusion_checks_per_batch")] public int InclusionChecksPerBatch { get; init; } = 1;

    public bool StopOnFailure => string.Equals(OnFailure, "stop", StringComparison.OrdinalIgnoreCase);
}

public sealed class VerificationOptionsValidator : IValidateOptions<VerificationOptions>
{
    public ValidateOptionsResult Validate(string? name, VerificationOptions o)
    {
        var errors = new List<string>();
        if (!string.Equals(o.OnFailure, "mark", StringComparison.OrdinalIgnoreCase) && !o.StopOnFailure)
        {
            errors.Add($"verification:on_failure: '{o.OnFailure}' must be 'mark' or 'stop'.");
        }

        if (o.InclusionChecksPerBatch is < 0 or > 16)
        {
            errors.Add($"verification:inclusion_checks_per_batch: {o.InclusionChecksPerBatch} must be between 0 and 16.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
