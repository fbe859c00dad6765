using System.Globalization;
using System.Text;
using CertStream.CtLogSimulator.Faults;

namespace CertStream.CtLogSimulator.Http;

/// <summary>A complete response, built before sending so that faults can cut or corrupt it.</summary>
internal readonly record struct SimResponse(int StatusCode, string ContentType, ReadOnlyMemory<byte> Body, string? ContentEncoding = null)
{
    public const string Json = "application/json";
    public const string Text = "text/plain; charset=utf-8";

    public static SimResponse Plain(int statusCode, string text) => new(statusCode, Text, Encoding.UTF8.GetBytes(text + "\n"));

    public static SimResponse NotFound() => Plain(StatusCodes.Status404NotFound, "not found");

    public static SimResponse BadRequest(string why) => Plain(StatusCodes.Status400BadRequest, why);

    /// <summary>Complete HTTP, incomplete JSON: the first half of the body.</summary>
    public SimResponse CutInHalf() => this with { Body = Body[..(Body.Length / 2)] };

    /// <summary>
    /// Sends what <paramref name="produce"/> builds, unless the next fault for this endpoint replaces it.
    /// <paramref name="produce"/> gets the fault too, for the kinds only it can apply (stale tree heads,
    /// malformed bodies); the rest are handled here. <paramref name="onStatus"/> runs before the body is
    /// written, so that a client that has the response also sees the request in the counters.
    /// </summary>
    public static async Task SendAsync(HttpContext context, FaultSchedule faults, SimulatedEndpoint endpoint, TimeProvider time,
        Func<SimulatedFault?, SimResponse> produce, Action<int>? onStatus = null)
    {
        var fault = faults.Take(endpoint);
        if (fault?.Kind == SimulatedFaultKind.Slow)
        {
            // Real time on purpose: a slow response exists to exercise the client's real timeouts.
            await Task.Delay(fault.Delay, context.RequestAborted);
            fault = null;
        }

        var response = fault?.Kind switch
        {
            SimulatedFaultKind.TooManyRequests => Plain(StatusCodes.Status429TooManyRequests, "simulated rate limit"),
            SimulatedFaultKind.ServerError => Plain(fault.StatusCode, "simulated server error"),
            _ => produce(fault),
        };

        var http = context.Response;
        http.StatusCode = response.StatusCode;
        http.ContentType = response.ContentType;
        if (response.ContentEncoding is not null)
        {
            http.Headers.ContentEncoding = response.ContentEncoding;
        }

        if (fault?.Kind == SimulatedFaultKind.TooManyRequests)
        {
            http.Headers.RetryAfter = fault.RetryAfterAsHttpDate
                ? (time.GetUtcNow() + fault.RetryAfter).ToString("R", CultureInfo.InvariantCulture)
                : ((long)Math.Ceiling(fault.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        http.ContentLength = response.Body.Length;
        onStatus?.Invoke(response.StatusCode);
        if (fault?.Kind == SimulatedFaultKind.TruncatedBody && response.StatusCode == StatusCodes.Status200OK && response.Body.Length > 1)
        {
            // Promise the whole body, send half, then drop the connection: the client sees a premature end.
            await http.Body.WriteAsync(response.Body[..(response.Body.Length / 2)], context.RequestAborted);
            await http.Body.FlushAsync(context.RequestAborted);
            context.Abort();
            return;
        }

        await http.Body.WriteAsync(response.Body, context.RequestAborted);
    }
}
