using System.Net.Http.Headers;

namespace CertStream.Ingestor.Ct.Http;

/// <summary>
/// Retry-After in both forms (delta-seconds, HTTP date; Skylight sends a date), capped. Hand-written:
/// Polly and Microsoft.Extensions.Http.Resilience read Retry-After only from an HttpResponseMessage
/// outcome (ShouldRetryAfterHeader), while this client turns a failed response into a
/// <see cref="CtHttpException"/> that the retry pipeline (Health/RequestRetry) sees; its delay
/// generator takes the value parsed here.
/// </summary>
public static class RetryAfterParser
{
    public static readonly TimeSpan Max = TimeSpan.FromMinutes(10);

    public static TimeSpan? Parse(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header is null)
        {
            return null;
        }

        var delay = header.Delta ?? (header.Date is { } date ? date - now : null);
        if (delay is not { } d)
        {
            return null;
        }

        return d < TimeSpan.Zero ? TimeSpan.Zero : d > Max ? Max : d;
    }
}
