using System.Text;
using CertStream.Gateway.Fanout.Filtering;
using Microsoft.AspNetCore.WebUtilities;

namespace CertStream.Tests.Gateway.Fanout.Filtering;

public sealed class StreamFilterUnitTests
{
    private static StreamFilter? Parse(string query)
    {
        Assert.True(StreamFilter.TryParse(QueryHelpers.ParseQuery(query), out var filter, out var error), error);
        return filter;
    }

    private static string Error(string query)
    {
        Assert.False(StreamFilter.TryParse(QueryHelpers.ParseQuery(query), out _, out var error));
        return error!;
    }

    [Theory]
    [InlineData("")]
    [InlineData("?stream=full")]
    [InlineData("?dedup=0")]
    [InlineData("?since=12")] // another feature's parameter
    public void NoFilterParametersMeanNoFilter(string query) => Assert.Null(Parse(query));

    [Fact]
    public void PatternsComeCommaSeparatedAndRepeatedAndAreNormalised()
    {
        var filter = Parse("?match=*.Example.COM,.bücher.de&match=exact.example.org&match=exact.example.org")!;
        Assert.Equal(["*.example.com", ".xn--bcher-kva.de", "exact.example.org"], filter.Patterns.Select(p => p.ToString()));
        Assert.True(filter.IsSelective);
        var wildcard = filter.Patterns[0];
        Assert.False(wildcard.Exact);
        Assert.True(wildcard.Subdomains);
        var suffix = filter.Patterns[1];
        Assert.True(suffix.Exact);
        Assert.True(suffix.Subdomains);
        var exact = filter.Patterns[2];
        Assert.True(exact.Exact);
        Assert.False(exact.Subdomains);
    }

    [Fact]
    public void IssuerIsLowerCasedForASubstringMatch()
    {
        var filter = Parse("?issuer=Let%27s%20Encrypt")!;
        Assert.True(filter.MatchesIssuer("/c=us/o=let's encrypt/cn=r3"u8));
        Assert.False(filter.MatchesIssuer("/c=us/o=digicert inc/cn=x"u8));
    }

    [Theory]
    [InlineData("?dedup=1", 1)]
    [InlineData("?dedup=true", 1)]
    [InlineData("?dedup=joined", 2)]
    [InlineData("?DEDUP=JOINED", 2)]
    public void DedupModes(string query, int expected)
    {
        var mode = (DedupMode)expected;
        var filter = Parse(query)!;
        Assert.Equal(mode, filter.Dedup);
        Assert.False(filter.IsSelective);
        Assert.False(filter.PassesDedup(0));
        Assert.Equal(mode == DedupMode.Certificate, filter.PassesDedup(1));
        Assert.Equal(mode == DedupMode.Joined, filter.PassesDedup(2));
    }

    [Fact]
    public void EventsAreOptIn()
    {
        var filter = Parse("?events=LOG_INTEGRITY")!;
        Assert.True(filter.WantsEvent(1));
        Assert.False(filter.WantsEvent(2));
        Assert.True(filter.PassesDedup(0));
    }

    [Theory]
    [InlineData("?match=", "match= is empty")]
    [InlineData("?match=exa mple.com", "invalid match pattern 'exa mple.com'")]
    [InlineData("?match=*example.com", "invalid match pattern")]
    [InlineData("?match=a..b", "invalid match pattern")]
    [InlineData("?match=*.*.example.com", "invalid match pattern")]
    [InlineData("?match=example.com/path", "invalid match pattern")]
    [InlineData("?issuer=", "issuer= must be")]
    [InlineData("?dedup=maybe", "invalid dedup 'maybe'")]
    [InlineData("?events=log_integrity,everything", "unknown event 'everything'")]
    public void InvalidFiltersSayWhatIsWrong(string query, string expected) =>
        Assert.Contains(expected, Error(query), StringComparison.Ordinal);

    [Fact]
    public void TooManyPatternsAreRefused()
    {
        var query = "?match=" + string.Join(',', Enumerable.Range(0, StreamFilter.MaxPatterns + 1).Select(i => $"n{i}.example"));
        Assert.Contains("too many match patterns", Error(query), StringComparison.Ordinal);
    }

    [Fact]
    public void AnOverlongIssuerIsRefused() =>
        Assert.Contains("issuer=", Error("?issuer=" + new string('x', StreamFilter.MaxIssuerLength + 1)), StringComparison.Ordinal);

    [Fact]
    public void TheFilterReadsBackAsANormalisedQuery() =>
        Assert.Equal("match=*.example.com,.xn--bcher-kva.de&issuer=let's encrypt&dedup=joined&events=log_integrity",
            Parse("?events=Log_Integrity&dedup=JOINED&issuer=Let's%20Encrypt&match=*.EXAMPLE.com,.bücher.de")!.ToString());

    [Fact]
    public void PatternNamesAreAscii() =>
        Assert.Equal("xn--r8jz45g.xn--zckzah", Encoding.ASCII.GetString(Parse("?match=例え.テスト")!.Patterns[0].Name));
}
