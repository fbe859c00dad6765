using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Http;
using CertStream.Ingestor.Telemetry;
using Polly;
using Polly.Retry;

namespace CertStream.Ingestor.Health;

/// <summary>
/// The retry pipeline of one log's CT requests (Polly): up to <c>ct_log:retry_max_attempts</c>
/// tries, waiting the log's Retry-After when it sends one, else exponential backoff with jitter.
/// Client errors (a wrong request) are not retried. Malformed bodies are, since a truncated
/// response is transient: the pipeline wraps the fetch and the decode, not only the HTTP call,
/// which is why it is not Microsoft.Extensions.Http.Resilience's handler on the HttpClient.
/// </summary>
public static class RequestRetry
{
    public static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    public static ResiliencePipeline Create(string logKey, int maxAttempts, TimeProvider time, ILogger logger)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (maxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = maxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = BaseDelay,
                MaxDelay = MaxDelay,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is { } ex && IsTransient(ex)),
                // Polly's MaxDelay does not cap this: a Retry-After is honoured up to RetryAfterParser.Max.
                DelayGenerator = static args => ValueTask.FromResult((args.Outcome.Exception as CtHttpException)?.RetryAfter),
                OnRetry = args =>
                {
                    IngestorLog.RequestRetried(logger, logKey, args.AttemptNumber + 1, (long)args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message ?? "");
                    return default;
                },
            });
        }

        return builder.Build();
    }

    public static bool IsTransient(Exception ex) => ex switch
    {
        CtHttpException http => !http.IsClientError,
        CtDecodeException => true,
        _ => false,
    };
}
