using System.Net.Http.Headers;
using System.Text.Json;

namespace CertStream.Tests.CtLogSimulator;

/// <summary>Small HTTP helpers for the simulator tests (real HTTP through HttpClient).</summary>
internal static class SimulatorClient
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<JsonDocument> GetJsonAsync(this HttpClient http, string url)
    {
        var ct = TestContext.Current.CancellationToken;
        using var response = await http.GetAsync(url, ct).WaitAsync(Timeout, ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync(ct).WaitAsync(Timeout, ct);
        return JsonDocument.Parse(body);
    }

    /// <summary>Any status; the body read whole.</summary>
    public static async Task<FetchResult> FetchAsync(this HttpClient http, string url)
    {
        var ct = TestContext.Current.CancellationToken;
        using var response = await http.GetAsync(url, ct).WaitAsync(Timeout, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct).WaitAsync(Timeout, ct);
        return new FetchResult((int)response.StatusCode, response.Headers, response.Content.Headers, body);
    }

    public static List<(byte[] LeafInput, byte[] ExtraData)> Entries(JsonDocument document)
    {
        var list = new List<(byte[], byte[])>();
        foreach (var entry in document.RootElement.GetProperty("entries").EnumerateArray())
        {
            list.Add((entry.GetProperty("leaf_input").GetBytesFromBase64(), entry.GetProperty("extra_data").GetBytesFromBase64()));
        }

        return list;
    }
}

internal sealed record FetchResult(int Status, HttpResponseHeaders Headers, HttpContentHeaders ContentHeaders, byte[] Body);
