using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json;
using CertStream.CtLogSimulator;
using CertStream.Proxy;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace CertStream.Tests.Gateway.Api;

/// <summary>
/// The live page on the proxy's root, in a real headless Chromium (Debian's <c>/usr/bin/chromium</c>,
/// driven by Playwright; nothing is downloaded): simulated logs, the real ingestor, a real gateway and
/// the real YARP proxy in front. The browser must show domains arriving over the domains-only
/// WebSocket, the numbers, the logs table and an example message; the screenshot must be a full,
/// non-blank page.
/// </summary>
public sealed class LivePageTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TheProxysRootShowsDomainsNumbersLogsAndAnExampleInChromium()
    {
        Assert.SkipUnless(File.Exists(Chromium), $"{Chromium} is not installed (Debian package 'chromium'; .ci/run installs it)");
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisTestServer.StartAsync(ct);
        await using var sim = await SimulatedCtLogServer.StartAsync(cancellationToken: ct);
        var rfc = sim.AddRfc6962Log("page-rfc", initialSize: 10);
        sim.AddTiledLog("page-tiled", initialSize: 5);
        await using var ingestor = await IngestorHost.StartAsync(redis.ConnectionString, sim.LogListUrl, StatusApiTests.FastReports, ct: ct);
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, StatusApiTests.FastReports, cancellationToken: ct);
        await using var proxy = await StartProxyAsync(gateway.HttpUri, ct);
        var root = new Uri(proxy.Urls.First());
        using var http = new HttpClient { BaseAddress = root };

        // Through the proxy: /api/* answers, and both logs are followed at their tips before anything grows.
        await Eventually.TrueAsync(async () => (await StatusApiTests.GetJsonAsync(http, "/api/logs", ct)).GetProperty("logs").EnumerateArray()
            .Count(l => l.GetProperty("following").GetBoolean() && l.GetProperty("lag").GetInt64() == 0 && l.GetProperty("tree_size").GetInt64() > 0) == 2,
            Patience, "both logs followed, through the proxy", ct);
        using (var plain = await http.GetAsync("/", ct))
        {
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
            Assert.Equal("text/html", plain.Content.Headers.ContentType?.MediaType);
            var html = await plain.Content.ReadAsStringAsync(ct);
            // Self-contained: no script, style, image or font from another address (there is no internet to fetch them from).
            Assert.DoesNotMatch(@"(src|href)\s*=\s*[""']?(https?:)?//|@import|url\(", html);
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var waits = new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds, PollingInterval = 100 };
        await page.GotoAsync(root.ToString());
        await page.WaitForFunctionAsync("() => document.getElementById('connection').textContent.includes('WebSocket')", null, waits);

        // A client of our own on the same stream, through the proxy: what it reads, the page must show.
        await using var domains = await WebSocketTestClient.ConnectAsync(new Uri($"ws://{root.Authority}/domains-only"), ct);
        rfc.Grow(30);
        var firstLine = await FirstDomainsAsync(domains, ct);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#feed li').length >= 10", null, waits);
        var feed = await page.Locator("#feed li").AllInnerTextsAsync();
        Assert.Contains(firstLine, feed);

        // Numbers, logs and the example come from /api/stats, /api/logs and /example.json (refreshed every 5 s).
        await page.WaitForFunctionAsync("""
            () => document.querySelectorAll('#logs tbody tr').length === 2
              && Number(document.getElementById('clients').textContent) >= 2
              && /^\d/.test(document.getElementById('rate').textContent)
              && document.getElementById('example').textContent.includes('certificate_update')
            """, null, waits);
        var rows = await page.Locator("#logs tbody tr").AllInnerTextsAsync();
        Assert.All(rows, row => Assert.Contains("healthy", row));
        Assert.Contains(rows, row => row.Contains("page-rfc", StringComparison.Ordinal));
        Assert.Equal("2 of 2", await page.InnerTextAsync("#followed"));
        var connect = await page.InnerTextAsync("#connect");
        Assert.Contains($"ws://{root.Authority}/full-stream", connect);
        Assert.Contains($"{root.GetLeftPart(UriPartial.Authority)}/sse?stream=domains", connect);

        // The screenshot: the full page at the viewport's width, and far more than a blank page's bytes.
        var screenshot = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
        var (width, height) = PngSize(screenshot);
        Assert.Equal(1280, width);
        Assert.True(height >= 900, $"height {height}");
        await page.SetContentAsync("<html><body></body></html>");
        var blank = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
        Assert.True(screenshot.Length > 5 * blank.Length, $"screenshot {screenshot.Length} bytes, a blank page {blank.Length}");
        var saved = Path.Combine(Path.GetTempPath(), $"certstream-live-page-{Environment.ProcessId}.png");
        await File.WriteAllBytesAsync(saved, screenshot, ct);
        TestContext.Current.AddAttachment("live page screenshot", saved);
    }

    private static async Task<string> FirstDomainsAsync(WebSocketTestClient client, CancellationToken ct)
    {
        while (true)
        {
            using var message = JsonDocument.Parse(await client.ReceiveTextAsync(ct)); // heartbeats are skipped
            if (message.RootElement.GetProperty("message_type").GetString() == "dns_entries")
            {
                return string.Join(", ", message.RootElement.GetProperty("data").EnumerateArray().Select(d => d.GetString()));
            }
        }
    }

    /// <summary>Width and height from a PNG's IHDR chunk (bytes 16-23, big-endian), after checking the signature.</summary>
    private static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.True(png.AsSpan(0, 8).SequenceEqual((byte[])[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]), "a PNG");
        Assert.Equal("IHDR", Encoding.ASCII.GetString(png, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    private static async Task<WebApplication> StartProxyAsync(Uri gateway, CancellationToken ct)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Proxy:Discovery"] = "Dns",
            ["Proxy:Gateways:0"] = gateway.GetLeftPart(UriPartial.Authority),
        });
        builder.Logging.ClearProviders();
        builder.AddGatewayProxy();
        var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync(ct);
        return app;
    }
}
