namespace CertStream.AppHost.Redis;

/// <summary>
/// Redis for Kubernetes (publish mode): a plain container with a password, and nothing else in the
/// manifest. Aspire's AddRedis also emits <c>annotated.string</c> and conditional <c>value.v0</c>
/// resources that aspirate does not turn into Kubernetes objects.
/// </summary>
public sealed class RedisContainerResource(string name, ParameterResource password) : ContainerResource(name), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    private EndpointReference? _primary;

    public EndpointReference PrimaryEndpoint => _primary ??= new(this, EndpointName);

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={Password}");
}
