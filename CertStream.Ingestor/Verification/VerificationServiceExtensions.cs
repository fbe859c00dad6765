namespace CertStream.Ingestor.Verification;

public static class VerificationServiceExtensions
{
    /// <summary>Log verification: precert TBS checks, tree-head signatures, Merkle proofs (README "Verification").</summary>
    public static IServiceCollection AddVerification(this IServiceCollection services)
    {
        services.AddCertStreamOptions<VerificationOptions, VerificationOptionsValidator>(VerificationOptions.Section);
        services.AddSingleton<VerificationMetrics>();
        services.AddSingleton<ProofClient>();
        services.AddSingleton<VerificationStateStore>();
        services.AddSingleton<Publishing.IntegrityEventPublisher>();
        services.AddSingleton<LogIntegrity>();
        services.AddSingleton<PrecertChecker>();
        return services;
    }
}
