namespace CertStream.Tests.Infrastructure;

/// <summary>One Redis-protocol server shared by the tests of a collection (see <see cref="RedisCollection"/>).</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisTestServer? _server;

    public RedisTestServer Server => _server ?? throw new InvalidOperationException("not started");

    public string ConnectionString => Server.ConnectionString;

    public async ValueTask InitializeAsync() => _server = await RedisTestServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}
