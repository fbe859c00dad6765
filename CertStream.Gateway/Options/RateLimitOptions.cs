using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Options;

/// <summary>
/// Section <c>rate_limit:</c>: a token bucket per client IP over connection attempts and HTTP
/// requests (<c>/health</c> and <c>/alive</c> excepted): <c>burst_size</c> at once, refilled at
/// <c>per_second</c>. Hot reload may change it (buckets refill at the new rate from then on).
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "rate_limit";

    [ConfigurationKeyName("enabled")] public bool Enabled { get; init; }

    [ConfigurationKeyName("per_second")] public double PerSecond { get; init; } = 10;

    [ConfigurationKeyName("burst_size")] public int BurstSize { get; init; } = 20;
}

public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions o)
    {
        var errors = new List<string>();
        if (!(o.PerSecond > 0))
        {
            errors.Add($"rate_limit:per_second (CERTSTREAM_RATE_LIMIT_PER_SECOND): {o.PerSecond} must be greater than 0.");
        }

        if (o.BurstSize < 1)
        {
            errors.Add($"rate_limit:burst_size (CERTSTREAM_RATE_LIMIT_BURST_SIZE): {o.BurstSize} must be at least 1.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
