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

List<WatchedProcess> watched;
try
{
    // The server the clients connect to is watched unless only --watch processes were given.
    watched = [.. options.Watch.Select(WatchedProcess.Resolve)];
    if (options.Pid is not null || watched.Count == 0)
    {
        var pid = options.Pid ?? ProcessStats.FindListener(options.Url.Port);
        if (pid is null)
        {
            Console.Error.WriteLine($"no process listens on port {options.Url.Port}; give --pid or --watch");
            return 2;
        }

        watched.Insert(0, new WatchedProcess(options.Pid is null ? $"server :{options.Url.Port}" : "server", pid.Value));
    }
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") != "1")
{
    // Without it every socket read hops to the thread pool, and 1,000 receivers cost the shared
    // cores more than the gateway under test does.
    Console.Error.WriteLine("warning: run with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 for a lighter client side");
}

string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);
var slowClients = (int)Math.Round(options.Clients * options.SlowShare);
Console.WriteLine($"{options.Clients} clients on {string.Join(", ", options.Urls)}, {(options.Rate > 0 ? F(options.Rate, "0") + " msg/s published by the tool" : "reading what an ingestor publishes")}, warmup {options.Warmup.TotalSeconds} s, measured {options.Duration.TotalSeconds} s");
Console.WriteLine($"readers: {options.Clients - slowClients} x {options.Reader}" + (slowClients > 0 ? $"; {slowClients} slow x {options.SlowReader}" : "") + (options.ReceiveBuffer is { } rcv ? $"; SO_RCVBUF {rcv}" : ""));
Console.WriteLine($"watching: {string.Join(", ", watched.Select(w => $"{w.Label} (pid {w.Pid})"))}; load tool pid {Environment.ProcessId}, CPUs allowed {Environment.ProcessorCount}; load average {File.ReadAllText("/proc/loadavg").Trim()}");

using var stop = new CancellationTokenSource();
await using var redis = await ConnectionMultiplexer.ConnectAsync(options.Redis);
var window = new MeasurementWindow();
var latency = new LatencyHistogram();
var slowLatency = new LatencyHistogram();

// Connect in bounded parallel waves so the gateway's accept backlog is never the bottleneck.
// The slow readers are spread evenly over the clients (and so over the URLs).
var receivers = new WebSocketReceiver[options.Clients];
var connectFailures = 0;
var connectClock = Stopwatch.StartNew();
bool IsSlow(int i) => slowClients > 0 && i * slowClients / options.Clients != (i + 1) * slowClients / options.Clients;
using (var gate = new SemaphoreSlim(64))
{
    await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            var reader = IsSlow(i) ? options.SlowReader : options.Reader;
            receivers[i] = await WebSocketReceiver.ConnectAsync(options.Urls[i % options.Urls.Count], reader, options.ReceiveBuffer, stop.Token);
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
var slow = Enumerable.Range(0, receivers.Length).Where(i => IsSlow(i) && receivers[i] is not null).Select(i => receivers[i]).ToHashSet();
var normal = connected.Where(r => !slow.Contains(r)).ToArray();
Console.WriteLine($"connected {connected.Length} clients in {connectClock.Elapsed.TotalSeconds:0.0} s ({connectFailures} failed)");
var receiving = connected.Select(r => r.RunAsync(slow.Contains(r) ? slowLatency : latency, window, stop.Token)).ToArray();

using var stopPublishing = new CancellationTokenSource();
var publisher = new Publisher(redis, options.Rate, window);
var counter = new PublishedCounter(window);
if (options.Rate <= 0)
{
    await counter.StartAsync(redis);
}

var publishing = Task.Run(() => publisher.RunAsync(stopPublishing.Token));
await Task.Delay(options.Warmup);

var from = LiteMessageFactory.Now();
window.Set(from, from + options.Duration.TotalSeconds);
foreach (var process in watched)
{
    process.Start();
}

var toolCpuStart = Process.GetCurrentProcess().TotalProcessorTime;
var clock = Stopwatch.StartNew();
await Task.Delay(options.Duration);
stopPublishing.Cancel();
await publishing;

long Published() => options.Rate > 0 ? publisher.PublishedInWindow : counter.InWindow;
long Delivered(IEnumerable<WebSocketReceiver> clients) => clients.Sum(r => r.ReceivedInWindow);
var drainClock = Stopwatch.StartNew();
while (Delivered(normal) < Published() * normal.Length && drainClock.Elapsed < options.Drain)
{
    await Task.Delay(50);
}

var elapsed = clock.Elapsed;
foreach (var process in watched)
{
    process.Stop();
}

var toolCpu = Process.GetCurrentProcess().TotalProcessorTime - toolCpuStart;
var published = Published();
// One snapshot per group: the receivers keep counting while the report is written.
var deliveredNormal = Delivered(normal);
var deliveredSlow = Delivered(slow);
var delivered = deliveredNormal + deliveredSlow;
var closed = connected.Where(r => r.Closed is not null).ToArray();
var batching = await ScrapeBatchingAsync(options.Url);
var loadAfter = File.ReadAllText("/proc/loadavg").Trim();
stop.Cancel();
await Task.WhenAll(receiving);

string Share(long part, long whole) => $"{part} of {whole} ({F(100.0 * part / Math.Max(1, whole), "0.0000")} %)";
Console.WriteLine($"published (measured)      {published} messages in {options.Duration.TotalSeconds:0} s ({F(published / options.Duration.TotalSeconds, "0.0")} msg/s)");
Console.WriteLine($"delivered                 {Share(delivered, published * connected.Length)}");
if (slow.Count > 0)
{
    Console.WriteLine($"  to normal readers       {Share(deliveredNormal, published * normal.Length)}");
    Console.WriteLine($"  to slow readers         {Share(deliveredSlow, published * slow.Count)}");
}

Console.WriteLine($"delivered messages/s      {F(delivered / options.Duration.TotalSeconds, "0")}");
Console.WriteLine($"CPU per delivered message (user+sys over {F(elapsed.TotalSeconds, "0.0")} s), RSS:");
foreach (var process in watched)
{
    Console.WriteLine(process.Exited
        ? $"  {process.Label,-22} (pid {process.Pid}) exited during the window"
        : $"  {process.Label,-22} {F(process.Cpu.TotalMicroseconds / Math.Max(1, delivered), "0.000")} µs ({F(process.Cpu.TotalSeconds)} s = {F(process.Cpu.TotalSeconds / elapsed.TotalSeconds)} cores, {F(100 * process.System.TotalSeconds / Math.Max(0.001, process.Cpu.TotalSeconds), "0")} % kernel); RSS peak {F(process.PeakRssMb, "0.0")} MB, now {F(process.RssMb, "0.0")} MB (anon {F(process.RssParts.Anon, "0.0")}, file {F(process.RssParts.File, "0.0")}, shmem {F(process.RssParts.Shmem, "0.0")})");
}

var total = watched.Where(p => !p.Exited).Sum(p => p.Cpu.TotalMicroseconds);
Console.WriteLine($"  {"all watched",-22} {F(total / Math.Max(1, delivered), "0.000")} µs per delivered message");
Console.WriteLine($"delay seen -> receipt     p50 {F(latency.QuantileMs(0.50))} ms, p99 {F(latency.QuantileMs(0.99))} ms, p99.9 {F(latency.QuantileMs(0.999))} ms" + (slow.Count > 0 ? " (normal readers)" : ""));
if (slow.Count > 0)
{
    Console.WriteLine($"  slow readers            p50 {F(slowLatency.QuantileMs(0.50))} ms, p99 {F(slowLatency.QuantileMs(0.99))} ms");
}

Console.WriteLine($"heartbeats / non-text     {connected.Sum(r => r.Heartbeats)} / {connected.Sum(r => r.NonTextFrames)}");
Console.WriteLine($"clients closed early      {closed.Length} ({closed.Count(slow.Contains)} slow){(closed.Length > 0 ? " (" + closed[0].Closed + ")" : "")}");
Console.WriteLine($"gateway batching          {batching}");
Console.WriteLine($"load tool CPU             {F(toolCpu.TotalSeconds)} s ({F(toolCpu.TotalMicroseconds / Math.Max(1, delivered), "0.000")} µs per message)");
Console.WriteLine($"load average after        {loadAfter}");
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
