using CertStream.Contracts;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Gateway.Resume;

/// <summary>
/// Issue 14, drop notices: a client whose queue overflowed is told, before its next message, how
/// many messages it lost (<c>messages_dropped</c>, reason <c>slow_client</c>), instead of silence;
/// <c>?notices=0</c> keeps a strict old client's stream as it was.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class DropNoticeTests(RedisFixture redis)
{
    private const int Padding = 16 * 1024;
    private const int Round = 32;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AClientThatFellBehindIsToldHowManyMessagesItLostBeforeItsNextMessage(bool notices)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["buffer_size"] = "16",
            ["gateway:slow_client_policy"] = "drop",
        }, cancellationToken: ct);
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);
        using var slow = await TcpTestClient.ConnectAsync(gateway.TcpPort, null, ct, receiveBufferSize: 4096);
        await slow.SendAsync(notices ? "l\n"u8.ToArray() : "l?notices=0\n"u8.ToArray(), ct);
        var topic = gateway.Hub.Topic(StreamKind.Lite);
        // Registered and subscribed: whatever is published from now on reaches the node.
        await Eventually.TrueAsync(() => topic.Clients.Length == 1 && topic.IsSubscribed, TimeSpan.FromSeconds(30), "the client is registered", ct);
        var client = topic.Clients.Single();

        // It does not read: its socket, the node's buffers, then the ring fill, and it loses messages.
        // Each round is waited for until the node's ring has it: on a busy machine the publisher can run far
        // ahead of the node, and a count of rounds alone would end before the node saw them.
        long published = 0;
        var head = topic.Ring.Head;
        while (client.Dropped == 0)
        {
            Assert.True(published < 200 * Round, "the client never fell behind");
            for (var i = 0; i < Round; i++)
            {
                await publisher.PublishAsync(StreamKind.Lite, ReplayTestPublisher.Message(++published, Padding));
            }

            await Eventually.TrueAsync(() => topic.Ring.Head >= head + published, TimeSpan.FromSeconds(30), "the node received the round", ct);
        }

        for (var i = 0; i < Round; i++)
        {
            await publisher.PublishAsync(StreamKind.Lite, ReplayTestPublisher.Message(++published, Padding));
        }

        // Now it reads everything: each notice stands exactly for the indices missing before the next message.
        using var reader = new ResumeReader(slow);
        long previous = 0, told = 0, skipped = 0;
        var noticesSeen = 0;
        long? pending = null;
        while (previous < published)
        {
            var message = await reader.ReadAsync(ct);
            Assert.NotNull(message);
            if (message.Type == "messages_dropped")
            {
                Assert.Null(pending); // one notice per loss, right before the next message
                Assert.Equal("slow_client", message.Reason);
                pending = message.DroppedCount;
                noticesSeen++;
                continue;
            }

            if (notices)
            {
                Assert.Equal(previous + 1 + (pending ?? 0), message.Index);
            }

            // Without notices the loss shows only as a jump in the indices.
            skipped += message.Index - previous - 1;
            told += pending ?? 0;
            pending = null;
            previous = message.Index;
        }

        Assert.True(client.Dropped > 0);
        Assert.Equal(client.Dropped, skipped);
        Assert.Equal(notices ? client.Dropped : 0, told);
        Assert.True(notices ? noticesSeen >= 1 : noticesSeen == 0, $"{noticesSeen} notices");
    }

    /// <summary>Reads a TCP client's lines as <see cref="ReceivedMessage"/>s, heartbeats skipped; gaps without notice show as index jumps.</summary>
    private sealed class ResumeReader(TcpTestClient tcp) : IDisposable
    {
        public async Task<ReceivedMessage?> ReadAsync(CancellationToken ct)
        {
            while (true)
            {
                var line = await tcp.ReadLineAsync(ct);
                if (line is null)
                {
                    return null;
                }

                using var doc = System.Text.Json.JsonDocument.Parse(line);
                var root = doc.RootElement;
                var type = root.GetProperty("message_type").GetString()!;
                switch (type)
                {
                    case "heartbeat":
                        continue;
                    case "messages_dropped":
                        var data = root.GetProperty("data");
                        return new ReceivedMessage(type, -1, null, null, data.GetProperty("count").GetInt64(), data.GetProperty("reason").GetString(), "");
                    default:
                        return new ReceivedMessage(type, root.GetProperty("data").GetProperty("cert_index").GetInt64(), null, null, null, null, "");
                }
            }
        }

        public void Dispose()
        {
        }
    }
}
