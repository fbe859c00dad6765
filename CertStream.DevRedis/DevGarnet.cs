using System.Net;
using Garnet;
using Garnet.server;

namespace CertStream.DevRedis;

/// <summary>
/// The embedded Garnet server with the settings CertStream needs, written once for this program
/// (the AppHost's Redis where neither a container runtime nor redis-server is available) and for
/// the tests' Redis on machines with only the .NET SDK.
/// </summary>
public static class DevGarnet
{
    /// <summary>A server listening on <paramref name="endpoint"/> once started. Its Dispose is not idempotent: call it exactly once.</summary>
    public static GarnetServer Create(IPEndPoint endpoint) => new(new GarnetServerOptions
    {
        EndPoints = [endpoint],
        QuietMode = true,
        LogMemorySize = "64m",
        IndexMemorySize = "16m",
        EnableLua = true, // the ingestors' leases and cursor saves are Lua scripts
        LuaOptions = new LuaOptions(logger: null),
    }, loggerFactory: null);
}
