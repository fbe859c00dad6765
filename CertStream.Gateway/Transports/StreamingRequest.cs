using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace CertStream.Gateway.Transports;

/// <summary>Per-request settings for long-lived streaming responses.</summary>
internal static class StreamingRequest
{
    /// <summary>
    /// Turns off Kestrel's minimum data rates for this request: a stream is quiet for seconds at a
    /// time and a slow reader is the gateway's own business (slow-client policy), not a reason
    /// for Kestrel to cut the connection.
    /// </summary>
    public static void DisableDataRateLimits(HttpContext context)
    {
        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } response)
        {
            response.MinDataRate = null;
        }

        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } request)
        {
            request.MinDataRate = null;
        }
    }
}
