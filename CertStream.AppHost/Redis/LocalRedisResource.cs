namespace CertStream.AppHost.Redis;

/// <summary>
/// A Redis-protocol server run as a local process (redis-server or the embedded Garnet host), with
/// a connection string, so that projects can <c>WithReference</c> it exactly as a container.
/// </summary>
public sealed class LocalRedisResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    private EndpointReference? _primary;

    public EndpointReference PrimaryEndpoint => _primary ??= new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");
}
