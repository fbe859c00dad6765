using CertStream.CtLogSimulator.Faults;

namespace CertStream.CtLogSimulator.Http;

/// <summary>
/// Routes: <c>/log_list.json</c> and everything under <c>/logs/{name}/</c> (RFC 6962 <c>ct/v1/…</c> for
/// RFC 6962 logs; <c>checkpoint</c>, <c>tile/data/…</c>, hash tiles <c>tile/&lt;L&gt;/…</c>, <c>issuer/…</c> for tiled logs).
/// </summary>
internal static class SimulatorEndpoints
{
    public const string LogListPath = "/log_list.json";

    public static IEndpointRouteBuilder MapCtLogSimulator(this IEndpointRouteBuilder app, SimulatedLogRegistry registry)
    {
        app.MapGet(LogListPath, async context =>
        {
            registry.CountLogListRequest();
            var baseUrl = registry.PublicBaseUrl ?? $"{context.Request.Scheme}://{context.Request.Host}";
            await SimResponse.SendAsync(context, registry.LogListFaults, SimulatedEndpoint.Other, registry.Time,
                fault => fault?.Kind == SimulatedFaultKind.MalformedBody
                    ? LogListApi.Build(registry, baseUrl).CutInHalf()
                    : LogListApi.Build(registry, baseUrl));
        });
        app.MapGet("/logs/{name}/{**rest}", context => HandleLogAsync(context, registry));
        return app;
    }

    private static async Task HandleLogAsync(HttpContext context, SimulatedLogRegistry registry)
    {
        var name = (string?)context.Request.RouteValues["name"] ?? "";
        var rest = (string?)context.Request.RouteValues["rest"] ?? "";
        var log = registry.Find(name);
        if (log is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var tiled = log.Kind == SimulatedLogKind.Tiled;
        var (endpoint, produce) = rest switch
        {
            "ct/v1/get-sth" when !tiled => (SimulatedEndpoint.GetSth, (SimulatedFault? f) => Rfc6962Api.GetSth(log, f)),
            "ct/v1/get-entries" when !tiled => (SimulatedEndpoint.GetEntries, (SimulatedFault? f) => Rfc6962Api.GetEntries(log, context.Request.Query, f)),
            "ct/v1/get-sth-consistency" when !tiled && log.Options.MerkleTree =>
                (SimulatedEndpoint.GetSthConsistency, (SimulatedFault? f) => Rfc6962Api.GetSthConsistency(log, context.Request.Query, f)),
            "ct/v1/get-proof-by-hash" when !tiled && log.Options.MerkleTree =>
                (SimulatedEndpoint.GetProofByHash, (SimulatedFault? f) => Rfc6962Api.GetProofByHash(log, context.Request.Query, f)),
            "ct/v1/get-roots" when !tiled => (SimulatedEndpoint.GetRoots, (SimulatedFault? f) => Rfc6962Api.GetRoots(log, f)),
            "checkpoint" when tiled => (SimulatedEndpoint.Checkpoint, (SimulatedFault? f) => StaticCtApi.Checkpoint(log, context.Request.Host.Value ?? "", f)),
            _ when tiled && rest.StartsWith("tile/data/", StringComparison.Ordinal) => DataTile(log, rest["tile/data/".Length..]),
            _ when tiled && TryLevel(rest, out var level, out var tilePath) => LevelTile(log, level, tilePath),
            _ when tiled && rest.StartsWith("issuer/", StringComparison.Ordinal) =>
                (SimulatedEndpoint.Issuer, (SimulatedFault? f) => StaticCtApi.Issuer(log, rest["issuer/".Length..], f)),
            _ => (SimulatedEndpoint.Other, (SimulatedFault? _) => SimResponse.NotFound()),
        };

        log.CountRequest(endpoint);
        var pathAndQuery = context.Request.Path + context.Request.QueryString;
        var recorded = false;
        try
        {
            await SimResponse.SendAsync(context, log.Faults, endpoint, registry.Time, produce, status =>
            {
                recorded = true;
                log.Record(endpoint, pathAndQuery, status);
            });
        }
        finally
        {
            if (!recorded)
            {
                // The client went away while a slow fault delayed the answer.
                log.Record(endpoint, pathAndQuery, StatusCodes.Status499ClientClosedRequest);
            }
        }
    }

    /// <summary><c>tile/&lt;L&gt;/…</c> with L a level (tlog-tiles: one digit here; real logs' trees stay below 256^8 leaves).</summary>
    private static bool TryLevel(string rest, out int level, out string tilePath)
    {
        level = 0;
        tilePath = "";
        if (rest.Length < 8 || !rest.StartsWith("tile/", StringComparison.Ordinal) || !char.IsAsciiDigit(rest[5]) || rest[6] != '/')
        {
            return false;
        }

        level = rest[5] - '0';
        tilePath = rest[7..];
        return true;
    }

    private static (SimulatedEndpoint, Func<SimulatedFault?, SimResponse>) LevelTile(SimulatedLog log, int level, string path)
    {
        if (!TileIndexPath.TryParse(path, out var tileIndex, out var width))
        {
            return (path.Contains(".p/", StringComparison.Ordinal) ? SimulatedEndpoint.PartialLevelTile : SimulatedEndpoint.LevelTile,
                (SimulatedFault? _) => SimResponse.NotFound());
        }

        return (width == StaticCtApi.TileWidth ? SimulatedEndpoint.LevelTile : SimulatedEndpoint.PartialLevelTile,
            (SimulatedFault? f) => f?.Kind == SimulatedFaultKind.MalformedBody
                ? StaticCtApi.LevelTile(log, level, tileIndex, width).CutInHalf()
                : StaticCtApi.LevelTile(log, level, tileIndex, width));
    }

    private static (SimulatedEndpoint, Func<SimulatedFault?, SimResponse>) DataTile(SimulatedLog log, string path)
    {
        if (!TileIndexPath.TryParse(path, out var tileIndex, out var width))
        {
            return (path.Contains(".p/", StringComparison.Ordinal) ? SimulatedEndpoint.PartialDataTile : SimulatedEndpoint.DataTile,
                (SimulatedFault? _) => SimResponse.NotFound());
        }

        return (width == StaticCtApi.TileWidth ? SimulatedEndpoint.DataTile : SimulatedEndpoint.PartialDataTile,
            (SimulatedFault? f) => StaticCtApi.DataTile(log, tileIndex, width, f));
    }
}
