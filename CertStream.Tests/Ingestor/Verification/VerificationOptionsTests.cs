using CertStream.Ingestor.Options;
using CertStream.Ingestor.Verification;

namespace CertStream.Tests.Ingestor.Verification;

public sealed class VerificationOptionsTests
{
    [Theory]
    [InlineData("mark")]
    [InlineData("stop")]
    [InlineData("STOP")]
    public void KnownPoliciesAreAccepted(string policy)
    {
        Assert.True(new VerificationOptionsValidator().Validate(null, new VerificationOptions { OnFailure = policy }).Succeeded);
    }

    [Fact]
    public void UnknownPolicyFailsNamingTheKey()
    {
        var result = new VerificationOptionsValidator().Validate(null, new VerificationOptions { OnFailure = "ignore" });

        Assert.True(result.Failed);
        Assert.Contains("verification:on_failure", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(17)]
    public void InclusionChecksOutOfRangeFailNamingTheKey(int checks)
    {
        var result = new VerificationOptionsValidator().Validate(null, new VerificationOptions { InclusionChecksPerBatch = checks });

        Assert.Contains("verification:inclusion_checks_per_batch", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void CustomLogKeyMustBeAPublicKey()
    {
        var options = new LogListOptions
        {
            CustomLogs = [new CustomLogOptions { Url = "https://ct.example/log/", Key = "bm90IGEga2V5" }],
        };

        var result = new LogListOptionsValidator().Validate(null, options);

        Assert.Contains("custom_logs:0:key", result.FailureMessage, StringComparison.Ordinal);
        var argonKey = Convert.ToBase64String(VerificationTestData.Log("Argon2020").PublicKey!);
        Assert.True(new LogListOptionsValidator().Validate(null, new LogListOptions
        {
            CustomLogs = [new CustomLogOptions { Url = "https://ct.example/log/", Key = argonKey }],
        }).Succeeded);
    }
}
