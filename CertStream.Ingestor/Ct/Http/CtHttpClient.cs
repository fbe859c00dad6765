using System.Diagnostics;
using System.Net;
using CertStream.Ingestor.Ct.StaticCt;
using CertStream.Ingestor.Telemetry;

namespace CertStream.Ingestor.Ct.Http;

/// <summary>
/// GETs against CT logs: one request, no retry (the caller owns retry, backoff and the circuit
/// breaker), a per-request timeout, a body size cap, gzip even when the log did not negotiate it,
/// and Retry-After surfaced on 429/503. The User-Agent names the project (set on the HttpClient).
/// </summary>
public sealed class CtHttpClient(HttpClient http, IngestorMetrics metrics, TimeProvider time)
{
    public const string UserAgent = "CertStream/1.0 (+https://github.com/certstream/certstream-dotnet)";

    /// <summary>Tiles are 2–3 MB at most; get-entries pages of 1000 large certificates can reach ~20 MB.</summary>
    public const int MaxBodyBytes = 64 * 1024 * 1024;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A small body (tree head, checkpoint, issuer) as an array of its own.</summary>
    public async Task<byte[]> GetBytesAsync(CtLogInfo log, string url, string endpoint, CancellationToken ct)
    {
        using var body = await GetPooledAsync(log, url, endpoint, ct);
        return body.ToArray();
    }

    /// <summary>The body in a pooled buffer (get-entries pages, data tiles): the caller disposes it when done with it.</summary>
    public async Task<PooledBody> GetPooledAsync(CtLogInfo log, string url, string endpoint, CancellationToken ct)
    {
        using var activity = IngestorMetrics.ActivitySource.StartActivity("ct.fetch", ActivityKind.Client);
        activity?.SetTag("ct.log", log.Key);
        activity?.SetTag("ct.endpoint", endpoint);
        activity?.SetTag("url.full", url);
        var started = time.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                var retryAfter = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable
                    ? RetryAfterParser.Parse(response.Headers.RetryAfter, time.GetUtcNow())
                    : null;
                throw new CtHttpException($"{endpoint} answered {(int)response.StatusCode} {response.ReasonPhrase}", response.StatusCode, retryAfter);
            }

            if (response.Content.Headers.ContentLength > MaxBodyBytes)
            {
                throw new CtHttpException($"{endpoint} body of {response.Content.Headers.ContentLength} bytes exceeds {MaxBodyBytes}", response.StatusCode, null);
            }

            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            var body = await ReadCappedAsync(stream, response.Content.Headers.ContentLength, timeout.Token);
            metrics.RecordRequest(log.Key, endpoint, "ok", time.GetElapsedTime(started));
            // Logs may gzip tiles without negotiation (static-ct-api says clients MUST cope).
            if (!GzipBody.IsGzip(body.Span))
            {
                return body;
            }

            using (body)
            {
                return GzipBody.DecompressPooled(body.Memory, MaxBodyBytes);
            }
        }
        catch (CtHttpException ex)
        {
            metrics.RecordRequest(log.Key, endpoint, ex.Status is { } s ? ((int)s).ToString(System.Globalization.CultureInfo.InvariantCulture) : "error", time.GetElapsedTime(started));
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            metrics.RecordRequest(log.Key, endpoint, "timeout", time.GetElapsedTime(started));
            activity?.SetStatus(ActivityStatusCode.Error, "timeout");
            throw new CtHttpException($"{endpoint} timed out after {Timeout.TotalSeconds:0} s", null, null, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidDataException)
        {
            metrics.RecordRequest(log.Key, endpoint, "error", time.GetElapsedTime(started));
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw new CtHttpException($"{endpoint} failed: {ex.Message}", (ex as HttpRequestException)?.StatusCode, null, ex);
        }
    }

    /// <summary>
    /// Reads the body into one pooled buffer: sized from Content-Length when there is one (what
    /// arrives decompressed from a gzip transfer only starts from it and grows), else grown by doubling.
    /// </summary>
    private static async Task<PooledBody> ReadCappedAsync(Stream stream, long? contentLength, CancellationToken ct)
    {
        var body = new PooledBody((int)Math.Clamp(contentLength ?? 0, 16 * 1024, MaxBodyBytes));
        try
        {
            int read;
            while ((read = await stream.ReadAsync(body.GetFree(16 * 1024), ct)) > 0)
            {
                body.Advance(read);
                if (body.Length > MaxBodyBytes)
                {
                    throw new CtHttpException($"body exceeds {MaxBodyBytes} bytes", null, null);
                }
            }

            return body;
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }
}
