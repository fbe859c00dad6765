using System.Net;
using System.Net.WebSockets;
using CertStream.Contracts;
using CertStream.Gateway.Options;
using CertStream.ServiceDefaults.Configuration;
using CertStream.Tests.Gateway.Support;
using CertStream.Tests.Infrastructure;
using CertStream.Tests.Gateway.Access.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CertStream.Tests.Gateway.Access;

/// <summary>Hot reload of <c>auth:tokens</c> through a watched YAML file on a real node.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TokenReloadTests(RedisFixture redis) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly string _dir = Directory.CreateTempSubdirectory("certstream-auth-reload-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Yaml(bool enabled, params string[] tokens) =>
        $"auth:\n  enabled: {(enabled ? "true" : "false")}\n  tokens: [{string.Join(", ", tokens.Select(t => $"\"{t}\""))}]\n";

    [Fact]
    public async Task ARevokedTokensConnectionsCloseAndAnInvalidChangeKeepsTheOldTokens()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_dir, "auth.yaml");
        await File.WriteAllTextAsync(path, Yaml(true, "keep-token", "drop-token"), ct);
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["hot_reload:enabled"] = "true",
            ["hot_reload:watch_path"] = path,
        }, cancellationToken: ct);
        var options = gateway.Services.GetRequiredService<ReloadableOptions<AuthOptions>>();
        await using var publisher = await StreamPublisher.ConnectAsync(redis.ConnectionString);

        var (kept, _, _) = await AccessClients.WebSocketAsync(gateway.WebSocketUri("/"), ct, ("Authorization", "Bearer keep-token"));
        var (dropped, _, _) = await AccessClients.WebSocketAsync(gateway.WebSocketUri("/?token=drop-token"), ct);
        var (http, sse) = await AccessClients.GetAsync(gateway.Http("/sse?token=drop-token"), ct);
        var (tcp, tcpReader) = await AccessClients.TcpAsync(gateway.TcpPort, "AUTH drop-token\n", ct);
        using var _http = http;
        using var _tcp = tcp;
        Assert.NotNull(kept);
        Assert.NotNull(dropped);
        Assert.Equal(HttpStatusCode.OK, sse.StatusCode);
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 4, Wait, "four authenticated clients", ct);

        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        options.Changed += (_, _) => changed.TrySetResult();
        await File.WriteAllTextAsync(path, Yaml(true, "keep-token"), ct);
        await changed.Task.WaitAsync(Wait, ct);

        // The WebSocket that used the removed token gets 1008 "token revoked"; SSE and TCP just end.
        var buffer = new byte[1024];
        var close = await dropped!.ReceiveAsync(buffer, ct).WaitAsync(Wait, ct);
        Assert.Equal(WebSocketMessageType.Close, close.MessageType);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, dropped.CloseStatus);
        Assert.Equal("token revoked", dropped.CloseStatusDescription);
        using var body = await sse.Content.ReadAsStreamAsync(ct);
        while (await body.ReadAsync(buffer, ct).AsTask().WaitAsync(Wait, ct) > 0)
        {
        }

        Assert.Null(await tcpReader.ReadAsync(ct).WaitAsync(Wait, ct));
        await Eventually.TrueAsync(() => gateway.Hub.ClientCount == 1, Wait, "only the kept client remains", ct);

        // The kept token's connection still streams.
        var message = TestMessages.Create(StreamKind.Lite);
        await publisher.PublishAsync(StreamKind.Lite, message);
        Assert.Equal(message, await AuthTests.ReceiveAsync(kept!, ct));

        // An invalid change (auth on, no tokens) is rejected: the last good tokens stay in force.
        var rejected = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        options.Rejected += failures => rejected.TrySetResult(failures);
        await File.WriteAllTextAsync(path, Yaml(true), ct);
        var failures = await rejected.Task.WaitAsync(Wait, ct);
        Assert.Contains(failures, f => f.Contains("auth:tokens"));
        Assert.Equal(WebSocketState.Open, kept!.State);
        var (again, status, _) = await AccessClients.WebSocketAsync(gateway.WebSocketUri("/?token=keep-token"), ct);
        again?.Dispose();
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AccessClients.WebSocketAsync(gateway.WebSocketUri("/?token=drop-token"), ct)).Status);
        kept.Dispose();
    }
}
