using System.Text;
using CertStream.Contracts;
using CertStream.Gateway.Fanout;
using CertStream.Gateway.Transports.Tcp;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace CertStream.Tests.Gateway.Resume;

public sealed class ResumeParsingUnitTests
{
    [Theory]
    [InlineData("1764428400123-5821", true)]
    [InlineData("0-1", true)]
    [InlineData("1764428400123-0", false)] // sequences start at 1
    [InlineData("1764428400123", false)]
    [InlineData("-5", false)]
    [InlineData("12-3-4", false)]
    [InlineData("12-x", false)]
    [InlineData(" 12-3", false)]
    [InlineData("99999999999999999999-1", false)]
    [InlineData("", false)]
    public void ACursorIsMillisecondsDashSequence(string text, bool valid) =>
        Assert.Equal(valid, StreamCursor.TryParse(text, out _));

    [Fact]
    public void TheCursorIsFoundAtTheEndOfAMessageOnlyWhereTheScriptPutsIt()
    {
        Assert.True(StreamCursor.TryFindInMessage("{\"a\":1,\"cursor\":\"17-42\"}"u8, out var text, out var cursor));
        Assert.Equal("17-42", Encoding.ASCII.GetString(text));
        Assert.Equal(new StreamCursor(17, 42), cursor);
        Assert.False(StreamCursor.TryFindInMessage("{\"a\":{\"cursor\":\"17-42\"}}"u8, out _, out _));
        Assert.False(StreamCursor.TryFindInMessage("{\"a\":\"17-42\"}"u8, out _, out _));
        Assert.False(StreamCursor.TryFindInMessage("{\"message_type\":\"heartbeat\",\"timestamp\":1.5}"u8, out _, out _));
        Assert.False(StreamCursor.TryFindInMessage("\"}"u8, out _, out _));
    }

    [Fact]
    public void CursorsOrderByTimeThenSequence()
    {
        Assert.True(new StreamCursor(2, 1).CompareTo(new StreamCursor(1, 9)) > 0);
        Assert.True(new StreamCursor(1, 2).CompareTo(new StreamCursor(1, 3)) < 0);
        Assert.Equal("17-42", new StreamCursor(17, 42).ToString());
    }

    [Theory]
    [InlineData(null, null, null, true, null, true)]
    [InlineData("5-6", null, null, true, "5-6", true)]
    [InlineData(null, "5-6", "0", true, "5-6", false)]
    [InlineData("5-6", "7-8", "off", true, "5-6", false)] // since wins over Last-Event-ID
    [InlineData("", "7-8", "1", true, "7-8", true)]
    [InlineData("x", null, null, false, null, true)]
    [InlineData(null, "7", null, false, null, true)]
    [InlineData(null, null, "maybe", false, null, true)]
    public void SinceLastEventIdAndNoticesAreParsedOrRefused(string? since, string? lastEventId, string? notices, bool valid, string? cursor, bool on)
    {
        Assert.Equal(valid, ResumeRequest.TryParse(since, lastEventId, notices, out var request));
        if (valid)
        {
            Assert.Equal(cursor, request.Since?.ToString());
            Assert.Equal(on, request.Notices);
        }
    }

    [Theory]
    [InlineData("f", StreamKind.Full, null, true, true)]
    [InlineData("d\n", StreamKind.Domains, null, true, true)]
    [InlineData("\n", StreamKind.Lite, null, true, true)]
    [InlineData("F?since=3-4\n", StreamKind.Full, "3-4", true, true)]
    [InlineData("d?notices=0&since=3-4\r\n", StreamKind.Domains, "3-4", false, true)]
    [InlineData("l?since=bad\n", StreamKind.Lite, null, true, false)]
    public async Task TheTcpSelectorLineCarriesTheSameQuery(string line, StreamKind kind, string? cursor, bool notices, bool valid)
    {
        var selection = await TcpSelector.ReadAsync(Stream.Null, Encoding.ASCII.GetBytes(line), TimeSpan.FromSeconds(30), TimeProvider.System,
            TestContext.Current.CancellationToken);
        Assert.Equal(kind, selection.Kind);
        var query = selection.Query is null ? [] : QueryHelpers.ParseQuery(selection.Query);
        Assert.Equal(valid, ResumeRequest.TryParse(Value(query, "since"), null, Value(query, "notices"), out var request));
        if (valid)
        {
            Assert.Equal(cursor, request.Since?.ToString());
            Assert.Equal(notices, request.Notices);
        }
    }

    [Fact]
    public void TheNoticeIsValidJsonWithACountOrNull()
    {
        Span<byte> buffer = stackalloc byte[DropNotice.MaxLength];
        Assert.Equal("{\"message_type\":\"messages_dropped\",\"data\":{\"count\":1234567,\"reason\":\"slow_client\"}}",
            Encoding.UTF8.GetString(buffer[..DropNotice.Format(buffer, 1234567, DropNotice.SlowClient)]));
        Assert.Equal("{\"message_type\":\"messages_dropped\",\"data\":{\"count\":null,\"reason\":\"replay_unavailable\"}}",
            Encoding.UTF8.GetString(buffer[..DropNotice.Format(buffer, -1, DropNotice.ReplayUnavailable)]));
        Assert.True(DropNotice.Format(buffer, long.MaxValue, DropNotice.ReplayBufferExceeded) <= DropNotice.MaxLength);
    }

    private static string? Value(Dictionary<string, StringValues> query, string key) => query.TryGetValue(key, out var value) ? value.ToString() : null;
}
