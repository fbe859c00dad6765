using System.Net;

namespace CertStream.Ingestor.Ct.Http;

/// <summary>A CT log request that failed: an HTTP status, a timeout or a transport error.</summary>
public sealed class CtHttpException(string message, HttpStatusCode? status, TimeSpan? retryAfter, Exception? inner = null)
    : Exception(message, inner)
{
    public HttpStatusCode? Status { get; } = status;

    /// <summary>The log's own Retry-After on 429/503, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>Not worth retrying soon: the request itself is wrong (4xx other than 404/408/429).</summary>
    public bool IsClientError => Status is { } s && (int)s is >= 400 and < 500
        && s is not (HttpStatusCode.NotFound or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests);
}
