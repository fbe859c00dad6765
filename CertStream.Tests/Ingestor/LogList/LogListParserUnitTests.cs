using System.Globalization;
using System.Text;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.LogList;

namespace CertStream.Tests.Ingestor.LogList;

public sealed class LogListParserUnitTests
{
    private static readonly DateTimeOffset ListTime = Time("2026-05-29T13:42:48Z");

    private static byte[] RealList() => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "LogList", "google_v3_log_list.json"));

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    [Fact]
    public void TheRealListFollowsEveryUsableAndReadonlyLogOfBothApis()
    {
        var result = LogListParser.Parse(RealList(), ListTime);

        Assert.Equal("85.92", result.Version);
        Assert.Equal(ListTime, result.Timestamp);
        Assert.Equal(31, result.Logs.Count(l => l.Kind == CtLogKind.Rfc6962));
        Assert.Equal(21, result.Logs.Count(l => l.Kind == CtLogKind.Tiled));
        Assert.Equal(4, result.SkippedCount);
        Assert.All(result.Skipped, s => Assert.Equal(LogSkipReason.Retired, s.Reason));
        Assert.Contains(result.Skipped, s => s.Url == "https://ct.example.com/bogus/");

        var argon = Assert.Single(result.Logs, l => l.Name == "Google 'Argon2026h2' log");
        Assert.Equal("https://ct.googleapis.com/logs/us1/argon2026h2/", argon.Url);
        Assert.Equal("ct.googleapis.com/logs/us1/argon2026h2", argon.Key);
        Assert.Null(argon.FinalTreeSize);

        var willow = Assert.Single(result.Logs, l => l.Name == "Let's Encrypt 'Willow2026h2'");
        Assert.Equal(CtLogKind.Tiled, willow.Kind);
        Assert.Equal("https://mon.willow.ct.letsencrypt.org/2026h2/", willow.Url);

        var mammoth = Assert.Single(result.Logs, l => l.Name == "Sectigo 'Mammoth2026h1'");
        Assert.Equal(65240567, mammoth.FinalTreeSize);
    }

    [Fact]
    public void ShardsWhoseIntervalEndedMoreThanTheGraceAgoAreSkipped()
    {
        // Shards ending 2026-06-17 … 2026-07-01: 6 usable + 2 readonly RFC 6962 logs and 5 tiled logs.
        var justAfter = LogListParser.Parse(RealList(), Time("2026-07-03T00:00:00Z"));
        var later = LogListParser.Parse(RealList(), Time("2026-07-10T00:00:00Z"));
        var strict = LogListParser.Parse(RealList(), Time("2026-07-03T00:00:00Z"), new LogListParserOptions { ExpiryGrace = TimeSpan.Zero });

        Assert.Equal(52 - 2, justAfter.Logs.Count); // only the two 2026-06-17/18 Let's Encrypt shards are past 3 days
        Assert.Equal(52 - 13, later.Logs.Count);
        Assert.Equal(13, later.SkippedByReason()[LogSkipReason.Expired]);
        Assert.Equal(52 - 13, strict.Logs.Count);
        Assert.DoesNotContain(later.Logs, l => l.Name == "Google 'Argon2026h1' log");
    }

    [Theory]
    [InlineData("""{"usable":{"timestamp":"2025-01-01T00:00:00Z"}}""", null)]
    [InlineData("""{"qualified":{"timestamp":"2025-01-01T00:00:00Z"}}""", null)]
    [InlineData("""{"readonly":{"timestamp":"2025-01-01T00:00:00Z","final_tree_head":{"sha256_root_hash":"AAAA","tree_size":77}}}""", null)]
    [InlineData("""{"pending":{"timestamp":"2025-01-01T00:00:00Z"}}""", null)]
    [InlineData("""{"retired":{"timestamp":"2025-01-01T00:00:00Z"}}""", LogSkipReason.Retired)]
    [InlineData("""{"rejected":{"timestamp":"2025-01-01T00:00:00Z"}}""", LogSkipReason.Rejected)]
    [InlineData("""{"frozen_in_carbonite":{"timestamp":"2025-01-01T00:00:00Z"}}""", LogSkipReason.UnknownState)]
    [InlineData("""{}""", LogSkipReason.Malformed)]
    [InlineData("""{"usable":{},"retired":{}}""", LogSkipReason.Malformed)]
    [InlineData("""[]""", LogSkipReason.Malformed)]
    [InlineData("null", LogSkipReason.NoState)]
    public void EachStateIsFollowedOrSkippedForItsReason(string state, LogSkipReason? skipped)
    {
        var result = Parse(List(Log("a", $"\"state\": {state}")));

        if (skipped is null)
        {
            Assert.Single(result.Logs);
            Assert.Empty(result.Skipped);
        }
        else
        {
            Assert.Empty(result.Logs);
            Assert.Equal(skipped, Assert.Single(result.Skipped).Reason);
        }
    }

    [Fact]
    public void ReadonlyLogsCarryTheirFinalTreeSize()
    {
        var result = Parse(List(Log("a", """ "state": {"readonly":{"timestamp":"2025-01-01T00:00:00Z","final_tree_head":{"sha256_root_hash":"AAAA","tree_size":77}}} """)));

        Assert.Equal(77, Assert.Single(result.Logs).FinalTreeSize);
    }

    [Fact]
    public void PendingLogsCanBeLeftOut()
    {
        var result = LogListParser.Parse(Bytes(List(Log("a", Pending))), ListTime, new LogListParserOptions { FollowPending = false });

        Assert.Equal(LogSkipReason.Pending, Assert.Single(result.Skipped).Reason);
    }

    [Fact]
    public void LogsWithoutStateOrOfATestTypeAreSkipped()
    {
        var result = Parse(List(
            Log("nostate", ""),
            Log("test", Usable + """, "log_type": "test" """),
            Log("monitor", """ "log_type": "monitoring_only" """),
            Log("odd", Usable + """, "log_type": "experimental" """)));

        Assert.Empty(result.Logs);
        Assert.Equal(
            [LogSkipReason.NoState, LogSkipReason.TestLog, LogSkipReason.MonitoringOnly, LogSkipReason.UnknownLogType],
            result.Skipped.Select(s => s.Reason));
    }

    [Fact]
    public void TiledLogsAreFollowedByTheirMonitoringUrl()
    {
        var json = """
            {"operators":[{"name":"Tiles only","tiled_logs":[
              {"description":"t","submission_url":"https://submit.example/t/","monitoring_url":"https://mon.example/t/","state":{"usable":{}}},
              {"description":"no monitoring","submission_url":"https://submit.example/u/","state":{"usable":{}}}
            ]}]}
            """;

        var result = Parse(json);

        var log = Assert.Single(result.Logs);
        Assert.Equal(CtLogKind.Tiled, log.Kind);
        Assert.Equal("https://mon.example/t/", log.Url);
        var skipped = Assert.Single(result.Skipped);
        Assert.Equal(LogSkipReason.InvalidUrl, skipped.Reason);
        Assert.Equal(CtLogKind.Tiled, skipped.Kind);
    }

    [Fact]
    public void OperatorsWithoutLogsOrTiledLogsAndUnknownFieldsDoNotBreakLoading()
    {
        var json = """
            {"version":"9.9","future_field":{"x":[1,2]},"operators":[
              {"name":"empty"},
              {"name":"nulls","logs":null,"tiled_logs":null},
              "not an operator",
              {"name":"ok","email":["a@b"],"brand_new":true,"logs":[
                {"description":"a","url":"https://a.example/","state":{"usable":{"timestamp":"2025-01-01T00:00:00Z","extra":1}},"new_thing":{"y":2}},
                42
              ]}
            ]}
            """;

        var result = Parse(json);

        Assert.Equal("https://a.example/", Assert.Single(result.Logs).Url);
        Assert.Equal(LogSkipReason.Malformed, Assert.Single(result.Skipped).Reason);
        Assert.Equal("9.9", result.Version);
        Assert.Null(result.Timestamp);
    }

    [Fact]
    public void BadUrlsAndDuplicatesAreSkipped()
    {
        var result = Parse(List(
            """{"description":"no url","state":{"usable":{}}}""",
            """{"description":"relative","url":"/logs/x/","state":{"usable":{}}}""",
            """{"description":"ftp","url":"ftp://x.example/","state":{"usable":{}}}""",
            """{"description":"first","url":"https://dup.example/log/","state":{"usable":{}}}""",
            """{"description":"second","url":"https://dup.example/log","state":{"usable":{}}}"""));

        Assert.Equal("first", Assert.Single(result.Logs).Name);
        Assert.Equal(
            [LogSkipReason.InvalidUrl, LogSkipReason.InvalidUrl, LogSkipReason.InvalidUrl, LogSkipReason.Duplicate],
            result.Skipped.Select(s => s.Reason));
    }

    [Fact]
    public void AMissingDescriptionFallsBackToTheUrlAndAMissingIntervalNeverExpires()
    {
        var result = LogListParser.Parse(Bytes(List("""{"url":"https://x.example/ct/","state":{"usable":{}}}""")), Time("2099-01-01T00:00:00Z"));

        var log = Assert.Single(result.Logs);
        Assert.Equal("https://x.example/ct/", log.Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"logs":[]}""")]
    [InlineData("""{"operators":{}}""")]
    [InlineData("""{"operators":[""")]
    public void ADocumentThatIsNotALogListFails(string json)
    {
        Assert.Throws<LogListFormatException>(() => LogListParser.Parse(Bytes(json), ListTime));
    }

    [Fact]
    public void AByteOrderMarkIsTolerated()
    {
        byte[] json = [0xEF, 0xBB, 0xBF, .. Bytes(List(Log("a", Usable)))];

        Assert.Single(LogListParser.Parse(json, ListTime).Logs);
    }

    private const string Usable = """ "state": {"usable":{"timestamp":"2025-01-01T00:00:00Z"}} """;
    private const string Pending = """ "state": {"pending":{"timestamp":"2025-01-01T00:00:00Z"}} """;

    private static LogListResult Parse(string json) => LogListParser.Parse(Bytes(json), ListTime);

    private static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json);

    private static string Log(string name, string fields) =>
        $$"""{"description":"{{name}}","url":"https://{{name}}.example/","temporal_interval":{"start_inclusive":"2026-01-01T00:00:00Z","end_exclusive":"2027-01-01T00:00:00Z"}{{(fields.Length > 0 ? "," + fields : "")}}}""";

    private static string List(params string[] logs) =>
        $$"""{"operators":[{"name":"op","email":[],"logs":[{{string.Join(",", logs)}}],"tiled_logs":[]}]}""";
}
