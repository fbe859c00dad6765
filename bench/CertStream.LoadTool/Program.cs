using System.Diagnostics;
using System.Globalization;
using CertStream.LoadTool;
using StackExchange.Redis;

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

var pid = options.Pid ?? ProcessStats.FindListener(options.Url.Port);
if (pid is null)
{
    Console.Error.WriteLine($"no process listens on port {options.Url.Port}; give --pid");
    return 2;
}

if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") != "1")
{
    // Without it every socket read hops to the thread pool, and 1,000 receivers cost the shared
    // cores more than the gateway under test does.
    Console.Error.WriteLine("warning: run with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 for a lighter client side");
}

string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);
Console.WriteLine($"gateway pid {pid}, {options.Clients} clients on {options.Url}, {F(options.Rate, "0")} msg/s, warmup {options.Warmup.TotalSeconds} s, measured {options.Duration.TotalSeconds} s");

using var stop = new CancellationTokenSource();
await using var redis = await ConnectionMultiplexer.ConnectAsync(options.Redis);
var window = new MeasurementWindow();
var latency = new LatencyHistogram();

// Connect in bounded parallel waves so the gateway's accept backlog is never the bottleneck.
var receivers = new WebSocketReceiver[options.Clients];
var connectFailures = 0;
var connectClock = Stopwatch.StartNew();
using (var gate = new SemaphoreSlim(64))
{
    await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            receivers[i] = await WebSocketReceiver.ConnectAsync(options.Url, stop.Token);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            Interlocked.Increment(ref connectFailures);
        }
        finally
        {
            gate.Release();
        }
    }));
}

var connected = receivers.Where(r => r is not null).ToArray();
Console.WriteLine($"connected {connected.Length} clients in {connectClock.Elapsed.TotalSeconds:0.0} s ({connectFailures} failed)");
var receiving = connected.Select(r => r.RunAsync(latency, window, stop.Token)).ToArray();

using var stopPublishing = new CancellationTokenSource();
var publisher = new Publisher(redis, options.Rate, window);
var publishing = Task.Run(() => publisher.RunAsync(stopPublishing.Token));
await Task.Delay(options.Warmup);

var from = LiteMessageFactory.Now();
window.Set(from, from + options.Duration.TotalSeconds);
var (userStart, systemStart) = ProcessStats.CpuTimes(pid.Value);
var toolCpuStart = Process.GetCurrentProcess().TotalProcessorTime;
var clock = Stopwatch.StartNew();
await Task.Delay(options.Duration);
stopPublishing.Cancel();
await publishing;

var expected = publisher.PublishedInWindow * connected.Length;
long Delivered() => connected.Sum(r => r.ReceivedInWindow);
var drainClock = Stopwatch.StartNew();
while (Delivered() < expected && drainClock.Elapsed < options.Drain)
{
    await Task.Delay(50);
}

var elapsed = clock.Elapsed;
var (userEnd, systemEnd) = ProcessStats.CpuTimes(pid.Value);
var cpu = userEnd - userStart + (systemEnd - systemStart);
var kernelShare = (systemEnd - systemStart).TotalSeconds / Math.Max(0.001, cpu.TotalSeconds);
var toolCpu = Process.GetCurrentProcess().TotalProcessorTime - toolCpuStart;
var delivered = Delivered();
var peakRssMb = ProcessStats.StatusKb(pid.Value, "VmHWM") / 1024.0;
var rssMb = ProcessStats.StatusKb(pid.Value, "VmRSS") / 1024.0;
var closed = connected.Where(r => r.Closed is not null).ToArray();
var batching = await ScrapeBatchingAsync(options.Url);
stop.Cancel();
await Task.WhenAll(receiving);

Console.WriteLine($"published (measured)      {publisher.PublishedInWindow} messages in {options.Duration.TotalSeconds:0} s ({F(publisher.PublishedInWindow / options.Duration.TotalSeconds, "0.0")} msg/s)");
Console.WriteLine($"delivered                 {delivered} of {expected} ({F(100.0 * delivered / Math.Max(1, expected), "0.0000")} %)");
Console.WriteLine($"delivered messages/s      {F(delivered / options.Duration.TotalSeconds, "0")}");
Console.WriteLine($"gateway CPU               {F(cpu.TotalSeconds)} s over {F(elapsed.TotalSeconds, "0.0")} s = {F(cpu.TotalSeconds / elapsed.TotalSeconds)} cores; {F(cpu.TotalMicroseconds / Math.Max(1, delivered), "0.000")} µs per delivered message ({F(100 * kernelShare, "0")} % in the kernel)");
Console.WriteLine($"gateway RSS               peak (VmHWM) {F(peakRssMb, "0.0")} MB, now {F(rssMb, "0.0")} MB");
Console.WriteLine($"delay seen -> receipt     p50 {F(latency.QuantileMs(0.50))} ms, p99 {F(latency.QuantileMs(0.99))} ms, p99.9 {F(latency.QuantileMs(0.999))} ms");
Console.WriteLine($"heartbeats / non-text     {connected.Sum(r => r.Heartbeats)} / {connected.Sum(r => r.NonTextFrames)}");
Console.WriteLine($"clients closed early      {closed.Length}{(closed.Length > 0 ? " (" + closed[0].Closed + ")" : "")}");
Console.WriteLine($"gateway batching          {batching}");
Console.WriteLine($"load tool CPU             {F(toolCpu.TotalSeconds)} s ({F(toolCpu.TotalMicroseconds / Math.Max(1, delivered), "0.000")} µs per message)");
return 0;

// Messages per write since the gateway started, from its /metrics (sent / writes on the lite WebSocket stream).
static async Task<string> ScrapeBatchingAsync(Uri url)
{
    try
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var text = await http.GetStringAsync(new UriBuilder(url) { Scheme = "http", Path = "/metrics" }.Uri);
        double Value(string name) => text.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains("protocol=\"websocket\"", StringComparison.Ordinal) && l.Contains("stream=\"lite\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        var sent = Value("certstream_gateway_messages_sent_total");
        var writes = Value("certstream_gateway_writes_total");
        return writes > 0 ? $"{sent / writes:0.0} messages per write ({writes:0} writes)" : "n/a";
    }
    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or FormatException)
    {
        return "n/a (" + ex.Message + ")";
    }
}
