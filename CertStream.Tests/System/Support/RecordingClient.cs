using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.SystemTests.Support;

public enum Transport
{
    WebSocket,
    Sse,
    Tcp,
}

/// <summary>How a <see cref="RecordingClient"/> behaves.</summary>
public sealed record RecordingOptions
{
    /// <summary>Read at most this many messages per second (a client with a bounded pace); null: as fast as they come.</summary>
    public double? MessagesPerSecond { get; init; }

    /// <summary>Give up (and close) when one message takes longer than this to arrive, as certstream-go's read deadline does.</summary>
    public TimeSpan? ReadDeadline { get; init; }

    /// <summary>WebSocket: send a ping this often (and expect pongs), as certstream-go does.</summary>
    public TimeSpan? PingInterval { get; init; }

    /// <summary>The stream path (WebSocket) or <c>stream</c> value (SSE); certificates with indices need lite or full.</summary>
    public string Stream { get; init; } = "lite";
}

/// <summary>
/// A stream client that records every certificate's log URL and index (per log: gaps, duplicates,
/// replays), heartbeats, and how the connection ended. WebSocket through <see cref="ClientWebSocket"/>,
/// SSE through <see cref="HttpClient"/>, raw TCP through a socket.
/// </summary>
public sealed class RecordingClient : IAsyncDisposable
{
    private readonly Dictionary<string, LogRecord> _logs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly RecordingOptions _options;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Task _loop = Task.CompletedTask;
    private IDisposable? _connection;
    private long _messages;
    private TimeSpan _due;
    private volatile bool _unpaced;

    private RecordingClient(string name, Transport transport, RecordingOptions options)
    {
        Name = name;
        Transport = transport;
        _options = options;
    }

    public string Name { get; }

    public Transport Transport { get; }

    /// <summary>Fires on every message and when the connection ends.</summary>
    public Pulse Changed { get; } = new();

    /// <summary>Completes when the connection has ended.</summary>
    public Task Completion => _loop;

    public long Messages => Interlocked.Read(ref _messages);

    public int Heartbeats { get; private set; }

    public int Certificates { get; private set; }

    public int Malformed { get; private set; }

    /// <summary>The connection ended (closed by either side, failed, or timed out).</summary>
    public bool Ended { get; private set; }

    /// <summary>The read deadline passed with no message (certstream-go's <c>i/o timeout</c>).</summary>
    public bool TimedOut { get; private set; }

    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public string? CloseDescription { get; private set; }

    public string? Error { get; private set; }

    public static async Task<RecordingClient> ConnectAsync(GatewayHandle gateway, Transport transport, RecordingOptions? options = null, string? name = null)
    {
        var client = new RecordingClient(name ?? transport.ToString().ToLowerInvariant(), transport, options ?? new RecordingOptions());
        await client.StartAsync(gateway);
        return client;
    }

    public LogRecord? For(string url)
    {
        lock (_gate)
        {
            return _logs.GetValueOrDefault(url);
        }
    }

    /// <summary>Runs <paramref name="read"/> on the records under the client's lock (they change while it reads).</summary>
    public T Read<T>(Func<IReadOnlyDictionary<string, LogRecord>, T> read)
    {
        lock (_gate)
        {
            return read(_logs);
        }
    }

    public string Describe() => Read(logs =>
        $"{Name} ({Transport}): {Messages} messages, {Certificates} certificates, {Heartbeats} heartbeats, {Malformed} malformed"
        + (Ended ? $", ended (close {CloseStatus?.ToString() ?? "-"} '{CloseDescription}', timed out {TimedOut}, error {Error ?? "-"})" : ", connected")
        + string.Concat(logs.Values.Select(l => "\n  " + l)));

    /// <summary>Waits until <paramref name="condition"/> holds (checked on each message); fails after <paramref name="timeout"/>.</summary>
    public Task WaitForAsync(Func<RecordingClient, bool> condition, TimeSpan timeout, string because) =>
        Pulse.UntilAsync(() =>
        {
            lock (_gate)
            {
                return condition(this);
            }
        }, timeout, $"{because}\n{Describe()}", CertStreamSystem.Ct, Changed);

    /// <summary>Waits until each of <paramref name="logs"/> was received up to <paramref name="beyond"/> entries past its size then.</summary>
    public Task WaitPastAsync(IEnumerable<SimLogInfo> logs, long beyond, TimeSpan timeout, string because) =>
        WaitForAsync(c => logs.All(l => c.For(l.Url) is { } r && r.Max >= l.TreeSize + beyond), timeout, because);

    /// <summary>
    /// The client is still connected and received every index of each of <paramref name="logs"/>, at
    /// most <paramref name="maxRepeatedPerLog"/> of them twice; the report goes to the test output.
    /// </summary>
    public void AssertNoGaps(IEnumerable<SimLogInfo> logs, long maxRepeatedPerLog, string? after = null)
    {
        var report = Describe();
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        Assert.False(Ended, report);
        var context = after is null ? "" : " after " + after;
        foreach (var log in logs)
        {
            var record = For(log.Url);
            Assert.True(record is not null, $"nothing of {log.Name}{context}: {report}");
            Assert.True(record.MissingCount() == 0, $"{log.Name} has a gap{context}: {record}");
            Assert.True(record.Duplicates <= maxRepeatedPerLog, $"{log.Name} repeated {record.Duplicates} indices{context} (bound {maxRepeatedPerLog}): {record}");
        }
    }

    /// <summary>Waits for a certificate of <paramref name="url"/> with an index of at least <paramref name="index"/>.</summary>
    public Task WaitForIndexAsync(string url, long index, TimeSpan timeout, string because) =>
        WaitForAsync(c => c._logs.TryGetValue(url, out var log) && log.Max >= index, timeout, because);

    /// <summary>From now on read as fast as messages come (to reach what the server sent last, e.g. its close frame).</summary>
    public void StopPacing() => _unpaced = true;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _connection?.Dispose();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }

        _stop.Dispose();
    }

    private async Task StartAsync(GatewayHandle gateway)
    {
        var ct = CertStreamSystem.Ct;
        switch (Transport)
        {
            case Transport.WebSocket:
                var ws = new ClientWebSocket();
                ws.Options.KeepAliveInterval = _options.PingInterval ?? TimeSpan.Zero;
                if (_options.PingInterval is not null)
                {
                    // With a timeout set, .NET sends real pings (not unsolicited pongs) and expects pongs.
                    ws.Options.KeepAliveTimeout = TimeSpan.FromSeconds(60);
                }

                var path = _options.Stream switch { "full" => "/full-stream", "domains" => "/domains-only", _ => "/" };
                await ws.ConnectAsync(gateway.WebSocketUri(path), ct);
                _connection = ws;
                _loop = Task.Run(() => RunWebSocketAsync(ws), CancellationToken.None);
                break;
            case Transport.Sse:
                var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
                var response = await http.GetAsync($"{gateway.BaseUrl}/sse?stream={_options.Stream}", HttpCompletionOption.ResponseHeadersRead, ct);
                response.EnsureSuccessStatusCode();
                var body = await response.Content.ReadAsStreamAsync(ct);
                _connection = http;
                _loop = Task.Run(() => RunLinesAsync(body, sse: true), CancellationToken.None);
                break;
            case Transport.Tcp:
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync("127.0.0.1", gateway.TcpPort, ct);
                var selector = _options.Stream switch { "full" => "f", "domains" => "d", _ => "l" };
                await socket.SendAsync(Encoding.ASCII.GetBytes(selector), ct);
                _connection = socket;
                _loop = Task.Run(() => RunLinesAsync(new NetworkStream(socket, ownsSocket: false), sse: false), CancellationToken.None);
                break;
        }
    }

    private async Task RunWebSocketAsync(ClientWebSocket ws)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            while (true)
            {
                buffer.ResetWrittenCount();
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                if (_options.ReadDeadline is { } d)
                {
                    deadline.CancelAfter(d);
                }

                ValueWebSocketReceiveResult result;
                do
                {
                    try
                    {
                        result = await ws.ReceiveAsync(buffer.GetMemory(16 * 1024), deadline.Token);
                    }
                    catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                    {
                        TimedOut = true;
                        return;
                    }

                    buffer.Advance(result.Count);
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = ws.CloseStatus;
                    CloseDescription = ws.CloseStatusDescription;
                    return;
                }

                await OnMessageAsync(buffer.WrittenSpan.ToArray());
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            Error ??= ex.Message;
            CloseStatus ??= ws.CloseStatus;
            CloseDescription ??= ws.CloseStatusDescription;
        }
        finally
        {
            End();
        }
    }

    private async Task RunLinesAsync(Stream stream, bool sse)
    {
        try
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (true)
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                if (_options.ReadDeadline is { } d)
                {
                    deadline.CancelAfter(d);
                }

                string? line;
                try
                {
                    line = await reader.ReadLineAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                    TimedOut = true;
                    return;
                }

                if (line is null)
                {
                    return;
                }

                if (sse)
                {
                    if (!line.StartsWith("data:", StringComparison.Ordinal))
                    {
                        continue; // blank separators, comments, event names
                    }

                    line = line[5..].TrimStart();
                }

                if (line.Length > 0)
                {
                    await OnMessageAsync(Encoding.UTF8.GetBytes(line));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or HttpRequestException)
        {
            Error ??= ex.Message;
        }
        finally
        {
            End();
        }
    }

    private async Task OnMessageAsync(byte[] json)
    {
        Interlocked.Increment(ref _messages);
        lock (_gate)
        {
            try
            {
                using var doc = JsonDocument.Parse(json);
                var root = doc.RootElement;
                switch (root.GetProperty("message_type").GetString())
                {
                    case "heartbeat":
                        Heartbeats++;
                        break;
                    case "certificate_update":
                        var data = root.GetProperty("data");
                        var url = data.GetProperty("source").GetProperty("url").GetString()!;
                        if (!_logs.TryGetValue(url, out var log))
                        {
                            _logs[url] = log = new LogRecord(url);
                        }

                        log.Add(data.GetProperty("cert_index").GetInt64());
                        Certificates++;
                        break;
                }
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                Malformed++;
            }
        }

        Changed.Fire();
        if (_options.MessagesPerSecond is { } rate && !_unpaced)
        {
            // Pace the reads: each message takes 1/rate of the client's time, and a quiet spell earns no
            // credit for a later burst. Waits are gathered until they are long enough for a timer.
            var now = _clock.Elapsed;
            _due = (_due > now ? _due : now) + TimeSpan.FromSeconds(1 / rate);
            if (_due - now > TimeSpan.FromMilliseconds(5))
            {
                await Task.Delay(_due - now, _stop.Token);
            }
        }
    }

    private void End()
    {
        lock (_gate)
        {
            Ended = true;
        }

        Changed.Fire();
    }
}
