using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Http;

namespace CertStream.Ingestor.Health;

/// <summary>
/// Retries one CT request: up to <c>ct_log:retry_max_attempts</c> tries, waiting the log's
/// Retry-After when it sends one, else exponential backoff with jitter. Client errors (a wrong
/// request) are not retried. Malformed bodies are, since a truncated response is transient.
/// </summary>
public sealed class RetryPolicy(int maxAttempts, TimeProvider time)
{
    public static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    public int MaxAttempts => maxAttempts;

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> action, Action<Exception, int, TimeSpan>? onRetry, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action(ct);
            }
            catch (Exception ex) when (attempt < maxAttempts && IsTransient(ex) && !ct.IsCancellationRequested)
            {
                var delay = (ex as CtHttpException)?.RetryAfter ?? Backoff.Delay(attempt, BaseDelay, MaxDelay);
                onRetry?.Invoke(ex, attempt, delay);
                await Task.Delay(delay, time, ct);
            }
        }
    }

    public static bool IsTransient(Exception ex) => ex switch
    {
        CtHttpException http => !http.IsClientError,
        CtDecodeException => true,
        _ => false,
    };
}
