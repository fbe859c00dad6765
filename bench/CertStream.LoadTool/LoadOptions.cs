using System.Globalization;

namespace CertStream.LoadTool;

/// <summary>Command line of the load tool; every option has a default.</summary>
internal sealed record LoadOptions
{
    public Uri Url { get; init; } = new("ws://127.0.0.1:8080/");
    public string Redis { get; init; } = "127.0.0.1:6379";
    public int Clients { get; init; } = 1000;
    public double Rate { get; init; } = 500;
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(5);
    public int? Pid { get; init; }

    public const string Usage = """
        CertStream.LoadTool: WebSocket fan-out load against a running gateway (loopback only).
          --url ws://127.0.0.1:8080/   gateway stream URL (the lite stream is /)
          --redis 127.0.0.1:6379       Redis the gateway subscribes to (the tool publishes there)
          --clients 1000               WebSocket clients
          --rate 500                   messages per second published (0: none; the clients read what an ingestor feeds)
          --warmup 5                   seconds published before measuring
          --duration 30                seconds measured
          --drain 5                    seconds at most to wait for the last messages
          --pid N                      gateway process (default: the process listening on the URL's port)
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
                "--url" => options with { Url = new Uri(Next()) },
                "--redis" => options with { Redis = Next() },
                "--clients" => options with { Clients = (int)Number() },
                "--rate" => options with { Rate = Number() },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Number()) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Number()) },
                "--drain" => options with { Drain = TimeSpan.FromSeconds(Number()) },
                "--pid" => options with { Pid = (int)Number() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        if (!options.Url.IsLoopback)
        {
            throw new ArgumentException("--url must be a loopback address: the tool measures a local gateway only");
        }

        return options;
    }
}
