namespace CertStream.AppHost.RabbitMq;

/// <summary>
/// Debian's <c>rabbitmq-server</c> run as a local process (no container runtime), with an AMQP
/// connection string, so that projects can <c>WithReference</c> it exactly as the container.
/// </summary>
public sealed class LocalRabbitMqResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string AmqpEndpointName = "amqp";
    public const string DistEndpointName = "dist";
    public const string EpmdEndpointName = "epmd";

    private EndpointReference? _amqp;

    public EndpointReference AmqpEndpoint => _amqp ??= new(this, AmqpEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"amqp://guest:guest@{AmqpEndpoint.Property(EndpointProperty.HostAndPort)}/");
}
