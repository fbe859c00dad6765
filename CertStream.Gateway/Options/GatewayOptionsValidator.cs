using Microsoft.Extensions.Options;

namespace CertStream.Gateway.Options;

/// <summary>Reports every invalid <c>gateway:</c> setting at once, at startup.</summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions o)
    {
        var errors = new List<string>();
        void Positive(double value, string key)
        {
            if (!(value > 0))
            {
                errors.Add($"{GatewayOptions.Section}:{key}: {value} must be greater than 0.");
            }
        }

        Positive(o.HeartbeatIntervalSecs, "heartbeat_interval_secs");
        Positive(o.PingIntervalSecs, "ping_interval_secs");
        Positive(o.DeadPeerTimeoutSecs, "dead_peer_timeout_secs");
        Positive(o.SlowClientGraceSecs, "slow_client_grace_secs");
        Positive(o.CloseTimeoutSecs, "close_timeout_secs");
        Positive(o.TcpSelectorTimeoutMs, "tcp_selector_timeout_ms");
        if (o.DeadPeerTimeoutSecs <= o.PingIntervalSecs)
        {
            errors.Add($"{GatewayOptions.Section}:dead_peer_timeout_secs ({o.DeadPeerTimeoutSecs}) must be longer than ping_interval_secs ({o.PingIntervalSecs}), or live peers would be closed.");
        }

        if (o.MaxQueueBytes < 64 * 1024)
        {
            errors.Add($"{GatewayOptions.Section}:max_queue_bytes: {o.MaxQueueBytes} must be at least 65536.");
        }

        if (o.MaxInboundMessageBytes < 125)
        {
            errors.Add($"{GatewayOptions.Section}:max_inbound_message_bytes: {o.MaxInboundMessageBytes} must be at least 125 (a control frame).");
        }

        if (o.FlushIntervalMs is < 0 or > 1000)
        {
            errors.Add($"{GatewayOptions.Section}:flush_interval_ms: {o.FlushIntervalMs} must be between 0 and 1000.");
        }

        if (!Enum.IsDefined(o.SlowClientPolicy))
        {
            errors.Add($"{GatewayOptions.Section}:slow_client_policy: must be disconnect or drop.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
