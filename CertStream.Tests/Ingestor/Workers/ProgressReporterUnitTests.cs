using System.Diagnostics.Metrics;
using CertStream.Ingestor.Telemetry;
using CertStream.Ingestor.Workers;
using CertStream.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CertStream.Tests.Ingestor.Workers;

/// <summary>Issue 8 item 3: the per-log progress line (entries, rate, lag) that replaces per-request Information logs.</summary>
public sealed class ProgressReporterUnitTests
{
    [Fact]
    public void LogsOneLinePerFollowedLogWithEntriesSinceTheLastLineRateAndLag()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new IngestorMetrics(services.GetRequiredService<IMeterFactory>());
        var capture = new LogCapture();
        using var factory = LoggerFactory.Create(b => b.AddProvider(capture));
        var reporter = new ProgressReporter(metrics, TimeProvider.System, factory.CreateLogger<ProgressReporter>());
        var busy = metrics.Track("busy");
        busy.TreeSize = 5000;
        busy.NextIndex = 4000;
        metrics.EntriesPublished("busy", 600);
        var quiet = metrics.Track("quiet");
        quiet.TreeSize = 7;
        quiet.NextIndex = 7;

        reporter.Report(TimeSpan.FromMinutes(1));
        metrics.EntriesPublished("busy", 60);
        busy.NextIndex = 4060;
        reporter.Report(TimeSpan.FromMinutes(1));

        var lines = capture.WithId(1130).Select(l => l.Message).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Contains("busy: 600 entries published in 60 s (10.0/s), next index 4000, lag 1000 to tree size 5000", lines);
        Assert.Contains("quiet: 0 entries published in 60 s (0.0/s), next index 7, lag 0 to tree size 7", lines);
        Assert.Contains("busy: 60 entries published in 60 s (1.0/s), next index 4060, lag 940 to tree size 5000", lines);
        Assert.All(capture.WithId(1130), l => Assert.Equal(LogLevel.Information, l.Level));
    }
}
