namespace CertStream.CtLogSimulator.Faults;

public enum SimulatedFaultKind
{
    /// <summary>429 with <c>Retry-After</c> (delta-seconds, or an HTTP-date when <see cref="SimulatedFault.RetryAfterAsHttpDate"/>).</summary>
    TooManyRequests = 0,

    /// <summary>An error status (<see cref="SimulatedFault.StatusCode"/>, 500 by default) with a short text body.</summary>
    ServerError = 1,

    /// <summary>The normal response after <see cref="SimulatedFault.Delay"/> of real time.</summary>
    Slow = 2,

    /// <summary>Status 200 and the full Content-Length, then the connection is cut after half the body.</summary>
    TruncatedBody = 3,

    /// <summary>Status 200 with a complete but undecodable body: cut JSON, a tile whose last record is short,
    /// a checkpoint that is not one, an issuer whose bytes do not match its hash.</summary>
    MalformedBody = 4,

    /// <summary>get-sth / checkpoint only: a valid tree head <see cref="SimulatedFault.StaleBy"/> entries smaller and older.</summary>
    StaleTreeHead = 5,
}

/// <summary>
/// A fault a simulated log answers with instead of its normal response. Build one with the factory
/// methods; <see cref="Endpoint"/> limits it to one endpoint (null: the next request to any endpoint,
/// except <see cref="SimulatedFaultKind.StaleTreeHead"/>, which only get-sth and checkpoint take).
/// </summary>
public sealed record SimulatedFault
{
    public required SimulatedFaultKind Kind { get; init; }

    public SimulatedEndpoint? Endpoint { get; init; }

    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    public bool RetryAfterAsHttpDate { get; init; }

    public int StatusCode { get; init; } = 500;

    public TimeSpan Delay { get; init; }

    public long StaleBy { get; init; } = 1;

    public static SimulatedFault TooManyRequests(TimeSpan retryAfter, bool asHttpDate = false, SimulatedEndpoint? endpoint = null) =>
        new() { Kind = SimulatedFaultKind.TooManyRequests, RetryAfter = retryAfter, RetryAfterAsHttpDate = asHttpDate, Endpoint = endpoint };

    public static SimulatedFault ServerError(int statusCode = 500, SimulatedEndpoint? endpoint = null) =>
        new() { Kind = SimulatedFaultKind.ServerError, StatusCode = statusCode, Endpoint = endpoint };

    public static SimulatedFault Slow(TimeSpan delay, SimulatedEndpoint? endpoint = null) =>
        new() { Kind = SimulatedFaultKind.Slow, Delay = delay, Endpoint = endpoint };

    public static SimulatedFault TruncatedBody(SimulatedEndpoint? endpoint = null) =>
        new() { Kind = SimulatedFaultKind.TruncatedBody, Endpoint = endpoint };

    public static SimulatedFault MalformedBody(SimulatedEndpoint? endpoint = null) =>
        new() { Kind = SimulatedFaultKind.MalformedBody, Endpoint = endpoint };

    public static SimulatedFault StaleTreeHead(long staleBy, SimulatedEndpoint? endpoint = null) =>
        new() { Kind = SimulatedFaultKind.StaleTreeHead, StaleBy = staleBy, Endpoint = endpoint };

    internal bool AppliesTo(SimulatedEndpoint endpoint)
    {
        if (Endpoint is { } only && only != endpoint)
        {
            return false;
        }

        return Kind != SimulatedFaultKind.StaleTreeHead || endpoint is SimulatedEndpoint.GetSth or SimulatedEndpoint.Checkpoint;
    }
}
