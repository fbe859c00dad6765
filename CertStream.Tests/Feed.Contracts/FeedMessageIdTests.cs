using CertStream.Feed.Contracts;

namespace CertStream.Tests.Feed.Contracts;

public sealed class FeedMessageIdTests
{
    [Fact]
    public void Is_the_RFC_9562_version_5_uuid_of_log_and_index()
    {
        // Python: uuid.uuid5(uuid.UUID("5b0c1c8e-6a54-4f8e-9d0a-3c2f7a1e9b41"), "https://ct.example.net/log/#42")
        Assert.Equal(new Guid("d72aedcb-2944-54fc-80b4-46facdd5a561"), FeedMessageId.For("https://ct.example.net/log/", 42));
    }

    [Fact]
    public void Same_entry_same_id_other_entry_other_id()
    {
        var id = FeedMessageId.For("https://ct.example.net/log/", 7);
        Assert.Equal(id, FeedMessageId.For("https://ct.example.net/log/", 7));
        Assert.NotEqual(id, FeedMessageId.For("https://ct.example.net/log/", 8));
        Assert.NotEqual(id, FeedMessageId.For("https://ct.example.net/other/", 7));
    }
}
