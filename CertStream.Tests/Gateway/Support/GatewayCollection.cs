using CertStream.Tests.Infrastructure;

namespace CertStream.Tests.Gateway.Support;

/// <summary>
/// The gateway's integration tests share one Redis server and run one after another: they publish
/// on the same stream channels, and every in-process node exports the same meter, so /metrics
/// would mix nodes that ran at once.
/// </summary>
[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "gateway";
}
