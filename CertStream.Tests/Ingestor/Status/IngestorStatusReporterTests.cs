using System.Diagnostics.Metrics;
using CertStream.Ingestor.Coordination;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Health;
using CertStream.Ingestor.Status;
using CertStream.Ingestor.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CertStream.Tests.Ingestor.Status;

/// <summary>The replica's status report: every log of its list, the numbers of those it follows, rates over the interval.</summary>
public sealed class IngestorStatusReporterTests
{
    [Fact]
    public async Task ReportsEveryListedLogWithTheFollowedOnesNumbersAndRatesOverTheInterval()
    {
        await using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new IngestorMetrics(provider.GetRequiredService<IMeterFactory>());
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var followed = CtLogInfo.Create("Followed", "https://ct.example/followed/", CtLogKind.Rfc6962) with { Operator = "Example", State = "usable" };
        var other = CtLogInfo.Create("Other", "https://ct.example/other/", CtLogKind.Tiled) with { Operator = "Example", State = "readonly" };
        var catalog = new LogCatalog { Logs = [followed, other] };
        var identity = new IngestorIdentity();
        using var reporter = new IngestorStatusReporter(null!, metrics, catalog, identity,
            Microsoft.Extensions.Options.Options.Create(new StatusOptions()), time, NullLogger<IngestorStatusReporter>.Instance);

        var status = metrics.Track(followed.Key);
        status.TreeSize = 1000;
        status.NextIndex = 900;
        status.Circuit = CircuitState.Degraded;
        metrics.EntriesPublished(followed.Key, 100);
        metrics.DecodeFailed(followed.Key);
        metrics.RecordRequest(followed.Key, "get-entries", "429", TimeSpan.FromMilliseconds(5));
        metrics.RecordRequest(followed.Key, "get-entries", "ok", TimeSpan.FromMilliseconds(5));
        _ = reporter.Build(); // the first report: the baseline of the rates

        metrics.EntriesPublished(followed.Key, 50);
        time.Advance(TimeSpan.FromSeconds(5));
        var report = reporter.Build();

        Assert.Equal(identity.Id, report.Id);
        Assert.Equal(1, report.LogsFollowed);
        Assert.Equal(150, report.Published);
        Assert.Equal(10, report.CertificatesPerSecond); // 50 in 5 s
        Assert.Equal(1_800_000_005, report.Updated);
        var row = Assert.Single(report.Logs, l => l.Key == followed.Key);
        Assert.True(row.Following);
        Assert.Equal(identity.Id, row.Ingestor);
        Assert.Equal((1000L, 900L, 100L), (row.TreeSize, row.NextIndex, row.Lag));
        Assert.Equal((1L, 1L), (row.DecodeFailures, row.RequestErrors));
        Assert.Equal("degraded", row.Circuit);
        Assert.Equal(10, row.CertificatesPerSecond);
        Assert.Equal(("Followed", "Example", "usable", "rfc6962"), (row.Name, row.Operator, row.State, row.Type));
        var idle = Assert.Single(report.Logs, l => l.Key == other.Key);
        Assert.False(idle.Following);
        Assert.Null(idle.Ingestor);
        Assert.Null(idle.TreeSize);
        Assert.Equal(("readonly", "tiled"), (idle.State, idle.Type));

        // A log handed over: gone from the numbers, and the replica's rate does not go negative.
        metrics.Untrack(followed.Key);
        time.Advance(TimeSpan.FromSeconds(5));
        report = reporter.Build();
        Assert.Equal(0, report.LogsFollowed);
        Assert.Equal(0, report.CertificatesPerSecond);
        Assert.All(report.Logs, l => Assert.False(l.Following));
    }
}
