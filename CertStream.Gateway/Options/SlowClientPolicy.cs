namespace CertStream.Gateway.Options;

/// <summary>What happens to a client that loses messages because it reads too slowly (or not at all).</summary>
public enum SlowClientPolicy
{
    /// <summary>Drop its oldest queued messages and, if it has not caught up <see cref="GatewayOptions.SlowClientGraceSecs"/> after its first loss, close it.</summary>
    Disconnect = 0,

    /// <summary>Only drop its oldest queued messages; never close it for being slow.</summary>
    Drop = 1,
}
