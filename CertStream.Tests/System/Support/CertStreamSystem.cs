using System.Net;
using System.Text.Json;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.SystemTests.Support;

/// <summary>
/// A system of real processes for one test: private redis-server instances, the CT log simulator, ingestors,
/// gateways, each on free loopback ports and in its own working directory (so no config file is found).
/// Disposing kills every process it started (by PID), stops its Redis servers and writes the tail of each
/// process's output to the test output.
/// </summary>
public sealed class CertStreamSystem : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly List<ServiceProcess> _processes = [];
    private readonly List<RedisTestServer> _redis = [];
    private int _ingestors;
    private int _gateways;

    private CertStreamSystem(string workDirectory) => WorkDirectory = workDirectory;

    public string WorkDirectory { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static CertStreamSystem Create()
    {
        var dir = Path.Combine(Path.GetTempPath(), "certstream-system-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return new CertStreamSystem(dir);
    }

    /// <summary>A private Redis; <paramref name="persistent"/>: redis-server keeping an RDB in the work directory.</summary>
    public async Task<RedisTestServer> StartRedisAsync(bool persistent = false)
    {
        var redis = persistent
            ? await RedisTestServer.StartPersistentAsync(Path.Combine(WorkDirectory, "redis-" + _redis.Count), Ct)
            : await RedisTestServer.StartAsync(Ct);
        _redis.Add(redis);
        return redis;
    }

    /// <summary>The simulator with its control API and the given <c>Simulator:*</c> settings (key without the section).</summary>
    public async Task<SimulatorHandle> StartSimulatorAsync(IReadOnlyDictionary<string, string> settings)
    {
        var port = RedisTestServer.FreePort();
        // Tree heads once a second, as real logs publish them (a live edge makes every partial tile a race).
        // Generated entries only: the recorded ones carry their real 2025 timestamps, which the catch-up
        // policy rightly skips as old when a test resumes among them. A test's own settings come later and win.
        var args = new List<string>
        {
            ServiceProcess.DllOf(ServiceProcess.Simulator), "--urls", $"http://127.0.0.1:{port}",
            "--Simulator:ControlApi=true", "--Simulator:TreeHeadIntervalMs=1000", "--Simulator:UseRecordedEntries=false",
        };
        args.AddRange(settings.Select(s => $"--Simulator:{s.Key}={s.Value}"));
        var process = Start("simulator", args, new Dictionary<string, string?>());
        var simulator = new SimulatorHandle(process, $"http://127.0.0.1:{port}", Http);
        await WaitUntilAsync(process, $"{simulator.BaseUrl}/control/logs/*", "the simulator's control API answers");
        return simulator;
    }

    /// <summary>An ingestor following the simulator's log list; <paramref name="environment"/> adds or overrides variables.</summary>
    public async Task<ServiceHandle> StartIngestorAsync(RedisTestServer redis, SimulatorHandle simulator, IReadOnlyDictionary<string, string?>? environment = null, bool waitReady = true)
    {
        var port = RedisTestServer.FreePort();
        var env = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["CERTSTREAM_CT_LOGS_URL"] = simulator.LogListUrl,
            ["CERTSTREAM_INGESTOR_HOST"] = "127.0.0.1",
            ["CERTSTREAM_INGESTOR_PORT"] = port.ToString(),
        };
        Merge(env, environment);
        var name = "ingestor-" + ++_ingestors;
        var process = Start(name, [ServiceProcess.DllOf(ServiceProcess.Ingestor)], env, Path.Combine(WorkDirectory, name));
        var handle = new ServiceHandle(process, $"http://127.0.0.1:{port}", Http);
        if (waitReady)
        {
            await WaitUntilAsync(process, handle.BaseUrl + "/health", $"{name} is ready");
        }

        return handle;
    }

    /// <summary>A gateway with WebSocket, SSE and raw TCP enabled.</summary>
    public async Task<GatewayHandle> StartGatewayAsync(RedisTestServer redis, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var port = RedisTestServer.FreePort();
        var tcpPort = RedisTestServer.FreePort();
        var env = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["CERTSTREAM_HOST"] = "127.0.0.1",
            ["CERTSTREAM_PORT"] = port.ToString(),
            ["CERTSTREAM_SSE_ENABLED"] = "true",
            ["CERTSTREAM_TCP_ENABLED"] = "true",
            ["CERTSTREAM_TCP_PORT"] = tcpPort.ToString(),
        };
        Merge(env, environment);
        var name = "gateway-" + ++_gateways;
        var process = Start(name, [ServiceProcess.DllOf(ServiceProcess.Gateway)], env, Path.Combine(WorkDirectory, name));
        var handle = new GatewayHandle(process, $"http://127.0.0.1:{port}", tcpPort, Http);
        await WaitUntilAsync(process, handle.BaseUrl + "/health", $"{name} is ready");
        return handle;
    }

    /// <summary>The YARP proxy in front of <paramref name="gateways"/> (Proxy:Gateways as URLs); clients use <see cref="GatewayHandle"/>-like URLs on its port.</summary>
    public async Task<GatewayHandle> StartProxyAsync(IReadOnlyList<GatewayHandle> gateways)
    {
        var port = RedisTestServer.FreePort();
        var env = new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" };
        for (var i = 0; i < gateways.Count; i++)
        {
            env[$"Proxy__Gateways__{i}"] = gateways[i].BaseUrl;
        }

        var process = Start("proxy", [ServiceProcess.DllOf(ServiceProcess.Proxy)], env);
        var handle = new GatewayHandle(process, $"http://127.0.0.1:{port}", tcpPort: 0, Http);
        await WaitUntilAsync(process, handle.BaseUrl + "/health", "the proxy is ready");
        return handle;
    }

    /// <summary>Polls <paramref name="url"/> until it answers 200 (a child's port has no other signal); fails if the process exits.</summary>
    public async Task WaitUntilAsync(ServiceProcess process, string url, string because, TimeSpan? timeout = null)
    {
        var limit = timeout ?? StartTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(limit);
        string last = "no answer";
        while (true)
        {
            Assert.False(process.HasExited, $"{process.Name} exited with code {(process.HasExited ? process.ExitCode : 0)} before {because}\n{process.Tail()}");
            try
            {
                using var response = await Http.GetAsync(url, deadline.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(deadline.Token)}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
            }

            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"Timed out after {limit.TotalSeconds:0} s: {because} ({url}: {last})\n{process.Tail()}");
            }

            try
            {
                await Task.Delay(100, deadline.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }

        foreach (var redis in _redis)
        {
            await redis.DisposeAsync();
        }

        var output = TestContext.Current.TestOutputHelper;
        foreach (var process in _processes)
        {
            output?.WriteLine(process.Tail(60));
        }

        Http.Dispose();
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private ServiceProcess Start(string name, IReadOnlyList<string> arguments, Dictionary<string, string?> environment, string? workingDirectory = null)
    {
        var dir = workingDirectory ?? Path.Combine(WorkDirectory, name);
        Directory.CreateDirectory(dir);
        var process = ServiceProcess.Start(name, ServiceProcess.DotnetHost, arguments, environment, dir);
        _processes.Add(process);
        return process;
    }

    private static void Merge(Dictionary<string, string?> target, IReadOnlyDictionary<string, string?>? extra)
    {
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            target[key] = value;
        }
    }
}

/// <summary>A started service with an HTTP port (/health, /metrics).</summary>
public class ServiceHandle(ServiceProcess process, string baseUrl, HttpClient http)
{
    public ServiceProcess Process { get; } = process;

    public string BaseUrl { get; } = baseUrl;

    public string Name => Process.Name;

    public async Task<string> MetricsAsync() => await http.GetStringAsync(BaseUrl + "/metrics", CertStreamSystem.Ct);

    /// <summary>Sum of the samples of <paramref name="metric"/> with these labels (0 when absent).</summary>
    public async Task<double> MetricAsync(string metric, params string[] labels) => PrometheusText.Sum(await MetricsAsync(), metric, labels) ?? 0;
}

public sealed class GatewayHandle(ServiceProcess process, string baseUrl, int tcpPort, HttpClient http) : ServiceHandle(process, baseUrl, http)
{
    public int TcpPort { get; } = tcpPort;

    public int HttpPort => new Uri(BaseUrl).Port;

    public Uri WebSocketUri(string path = "/") => new($"ws://127.0.0.1:{HttpPort}{path}");
}

/// <summary>One log's state as the simulator's control API reports it.</summary>
public sealed record SimLogInfo(string Name, string Url, long TreeSize);

/// <summary>The simulator process and its control API.</summary>
public sealed class SimulatorHandle(ServiceProcess process, string baseUrl, HttpClient http)
{
    public ServiceProcess Process { get; } = process;

    public string BaseUrl { get; } = baseUrl;

    public string LogListUrl => BaseUrl + "/log_list.json";

    public Task<IReadOnlyList<SimLogInfo>> LogsAsync() => SendAsync(HttpMethod.Get, "*");

    public async Task<SimLogInfo> LogAsync(string name) => (await SendAsync(HttpMethod.Get, name)).Single();

    /// <summary>Appends entries now; with <paramref name="backdate"/> stamped over that past span (an outage's backlog).</summary>
    public async Task<SimLogInfo> GrowAsync(string name, long count, TimeSpan? backdate = null) =>
        (await SendAsync(HttpMethod.Post, $"{name}/grow?count={count}" + (backdate is { } b ? $"&backdate_secs={b.TotalSeconds}" : ""))).Single();

    /// <summary>Growth rate of <paramref name="name"/> (or <c>*</c>) from now on; 0 pauses.</summary>
    public Task<IReadOnlyList<SimLogInfo>> SetRateAsync(string name, double entriesPerSecond) =>
        SendAsync(HttpMethod.Post, $"{name}/rate?entries_per_second={entriesPerSecond.ToString(global::System.Globalization.CultureInfo.InvariantCulture)}");

    private async Task<IReadOnlyList<SimLogInfo>> SendAsync(HttpMethod method, string pathAndQuery)
    {
        using var request = new HttpRequestMessage(method, $"{BaseUrl}/control/logs/{pathAndQuery}");
        using var response = await http.SendAsync(request, CertStreamSystem.Ct);
        var body = await response.Content.ReadAsStringAsync(CertStreamSystem.Ct);
        Assert.True(response.IsSuccessStatusCode, $"simulator control {method} {pathAndQuery}: {(int)response.StatusCode} {body}");
        using var doc = JsonDocument.Parse(body);
        return [.. doc.RootElement.EnumerateArray().Select(e => new SimLogInfo(e.GetProperty("name").GetString()!, e.GetProperty("url").GetString()!, e.GetProperty("tree_size").GetInt64()))];
    }
}
