using System.Net;
using System.Runtime.InteropServices;
using CertStream.DevRedis;

// Usage: CertStream.DevRedis --port <port> [--bind <address>]
var port = 6379;
var bind = IPAddress.Loopback;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--port" when int.TryParse(args[i + 1], out var p) && p is > 0 and < 65536:
            port = p;
            break;
        case "--bind" when IPAddress.TryParse(args[i + 1], out var a):
            bind = a;
            break;
        default:
            Console.Error.WriteLine($"CertStream.DevRedis: bad argument '{args[i]} {args[i + 1]}'. Usage: --port <1-65535> [--bind <ip>]");
            return 2;
    }
}

var stopped = new TaskCompletionSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stopped.TrySetResult(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stopped.TrySetResult(); });

var server = DevGarnet.Create(new IPEndPoint(bind, port));
try
{
    server.Start();
    Console.WriteLine($"CertStream.DevRedis: Garnet listening on {bind}:{port}");
    await stopped.Task;
}
finally
{
    // Garnet's Dispose is not idempotent: exactly once.
    server.Dispose();
}

return 0;
