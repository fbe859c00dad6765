using System.Text;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Rfc6962;

namespace CertStream.Tests.Ingestor.Ct.Rfc6962;

public sealed class Rfc6962ResponsesTests
{
    [Fact]
    public void ParsesSthAndIgnoresUnknownFields()
    {
        var sth = Rfc6962Responses.ParseSth("""{"tree_size":961984011,"timestamp":1591104534017,"sha256_root_hash":"x","extra":{"a":[1]}}"""u8);
        Assert.Equal(new SignedTreeHead(961984011, 1591104534017), sth);
    }

    [Fact]
    public void ParsesEntries()
    {
        var entries = Rfc6962Responses.ParseEntries("""{"entries":[{"leaf_input":"AAE=","extra_data":"AgM="},{"extra_data":"","leaf_input":"BA=="}]}"""u8);
        Assert.Equal(2, entries.Count);
        Assert.Equal(new byte[] { 0, 1 }, entries[0].LeafInput);
        Assert.Equal(new byte[] { 2, 3 }, entries[0].ExtraData);
        Assert.Equal(new byte[] { 4 }, entries[1].LeafInput);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("""{"tree_size":"many"}""")]
    [InlineData("""{"timestamp":1}""")]
    [InlineData("""{"tree_size":-5}""")]
    public void MalformedSthIsADecodeError(string body) =>
        Assert.Throws<CtDecodeException>(() => Rfc6962Responses.ParseSth(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData("""{"entries":[{"leaf_input":"not base64!"}]}""")]
    [InlineData("""{"entries":[{"extra_data":"AA=="}]}""")]
    [InlineData("""{"entries":[{"leaf_input":"AA==""")]
    public void MalformedEntriesAreADecodeError(string body) =>
        Assert.Throws<CtDecodeException>(() => Rfc6962Responses.ParseEntries(Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void ParsesEntriesInPlaceAsSlicesOfTheBody()
    {
        var body = """{"entries":[{"leaf_input":"AAE=","extra_data":"AgM="},{"extra_data":"","leaf_input":"BA=="}]}"""u8.ToArray();
        var entries = new List<RawEntrySlice>();
        Rfc6962Responses.ParseEntriesInPlace(body, entries);
        Assert.Equal(2, entries.Count);
        Assert.Equal(new byte[] { 0, 1 }, entries[0].LeafInput.ToArray());
        Assert.Equal(new byte[] { 2, 3 }, entries[0].ExtraData.ToArray());
        Assert.Equal(new byte[] { 4 }, entries[1].LeafInput.ToArray());
        Assert.True(entries[1].ExtraData.IsEmpty);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(entries[0].LeafInput, out var segment));
        Assert.Same(body, segment.Array);
    }

    [Fact]
    public void AnEscapedValueIsDecodedToo()
    {
        // "/" may be written as "\/" in JSON; the value is then decoded by the reader instead of in place.
        var body = Encoding.UTF8.GetBytes("""{"entries":[{"leaf_input":"\/w==","extra_data":"AA=="}]}""");
        var entries = new List<RawEntrySlice>();
        Rfc6962Responses.ParseEntriesInPlace(body, entries);
        Assert.Equal(new byte[] { 0xFF }, entries[0].LeafInput.ToArray());
        Assert.Equal(new byte[] { 0 }, entries[0].ExtraData.ToArray());
    }

    [Theory]
    [InlineData("""{"entries":[{"leaf_input":"not base64!"}]}""")]
    [InlineData("""{"entries":[{"extra_data":"AA=="}]}""")]
    [InlineData("""{"entries":[{"leaf_input":"AA==""")]
    [InlineData("""{"entries":[{"leaf_input":5}]}""")]
    public void MalformedEntriesAreADecodeErrorInPlaceToo(string body) =>
        Assert.Throws<CtDecodeException>(() => Rfc6962Responses.ParseEntriesInPlace(Encoding.UTF8.GetBytes(body), []));
}
