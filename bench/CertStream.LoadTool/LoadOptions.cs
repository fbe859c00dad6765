using System.Globalization;

namespace CertStream.LoadTool;

/// <summary>Command line of the load tool; every option has a default.</summary>
internal sealed record LoadOptions
{
    public IReadOnlyList<Uri> Urls { get; init; } = [new("ws://127.0.0.1:8080/")];

    public Uri Url => Urls[0];
    public string Redis { get; init; } = "127.0.0.1:6379";
    public int Clients { get; init; } = 1000;
    public double Rate { get; init; } = 500;
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(5);
    public int? Pid { get; init; }
    public ReadPattern Reader { get; init; } = new(64 * 1024, TimeSpan.Zero);
    public double SlowShare { get; init; }
    public ReadPattern SlowReader { get; init; } = new(4096, TimeSpan.FromMilliseconds(100));
    public int? ReceiveBuffer { get; init; }
    public List<string> Watch { get; init; } = [];

    public const string Usage = """
        CertStream.LoadTool: WebSocket fan-out load against running gateways or the proxy (loopback only).
          --url ws://127.0.0.1:8080/   stream URL (the lite stream is /): a gateway or the proxy; a comma list
                                       spreads the clients over several gateways (round robin)
          --redis 127.0.0.1:6379       Redis the gateways subscribe to (the tool publishes there, or with
                                       --rate 0 subscribes to count what an ingestor publishes)
          --clients 1000               WebSocket clients
          --rate 500                   messages per second published (0: none; the clients read what an ingestor feeds)
          --warmup 5                   seconds published before measuring
          --duration 30                seconds measured
          --drain 5                    seconds at most to wait for the last messages
          --pid N                      the server the clients connect to (default, when no --watch is given: the
                                       process listening on the URL's port)
          --watch LABEL=PID|PID|NAME   another process to report CPU per delivered message and RSS for (repeatable;
                                       NAME matches one process's command line, e.g. redis-server:6390)
        How the clients read (a real client is rarely as fast as the kernel):
          --read-size 65536            bytes asked for per recv (the Python epoll reader uses 64 KiB)
          --read-interval-ms 0         pause after each recv (0: read as soon as data is there)
          --slow-share 0               fraction of the clients that read slowly (0..1)
          --slow-read-size 4096        recv size of a slow client
          --slow-read-interval-ms 100  pause after each recv of a slow client
          --rcvbuf N                   SO_RCVBUF of every client socket (default: the kernel's autotuning)
        """;

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--url" => options with { Urls = [.. Next().Split(',').Select(u => new Uri(u))] },
                "--redis" => options with { Redis = Next() },
                "--clients" => options with { Clients = (int)Number() },
                "--rate" => options with { Rate = Number() },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Number()) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Number()) },
                "--drain" => options with { Drain = TimeSpan.FromSeconds(Number()) },
                "--pid" => options with { Pid = (int)Number() },
                "--watch" => options with { Watch = [.. options.Watch, Next()] },
                "--read-size" => options with { Reader = options.Reader with { Size = (int)Number() } },
                "--read-interval-ms" => options with { Reader = options.Reader with { Interval = TimeSpan.FromMilliseconds(Number()) } },
                "--slow-share" => options with { SlowShare = Number() },
                "--slow-read-size" => options with { SlowReader = options.SlowReader with { Size = (int)Number() } },
                "--slow-read-interval-ms" => options with { SlowReader = options.SlowReader with { Interval = TimeSpan.FromMilliseconds(Number()) } },
                "--rcvbuf" => options with { ReceiveBuffer = (int)Number() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        if (!options.Urls.All(u => u.IsLoopback))
        {
            throw new ArgumentException("--url must be a loopback address: the tool measures local servers only");
        }

        if (options.SlowShare is < 0 or > 1 || options.Reader.Size < 1 || options.SlowReader.Size < 1)
        {
            throw new ArgumentException("--slow-share must be within 0..1 and read sizes at least 1");
        }

        return options;
    }
}

/// <summary>How a client reads: at most <paramref name="Size"/> bytes per recv, then a pause of <paramref name="Interval"/>.</summary>
internal sealed record ReadPattern(int Size, TimeSpan Interval)
{
    public override string ToString() => $"{Size} B per recv" + (Interval > TimeSpan.Zero ? $", every {Interval.TotalMilliseconds:0.#} ms" : ", as data arrives");
}
