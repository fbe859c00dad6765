using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace CertStream.CtLogSimulator.Http;

/// <summary>
/// Control of a running simulator process (<c>Simulator:ControlApi=true</c>), for process-level tests
/// and load runs that must change a log while the system follows it. <c>{name}</c> is a log name or
/// <c>*</c> (every log). Each answer is the logs' state after the change:
/// <c>[{"name":…,"tree_size":…,"entries_per_second":…}]</c>.
/// <list type="bullet">
/// <item><c>GET /control/logs/{name}</c>: the state only.</item>
/// <item><c>POST /control/logs/{name}/grow?count=N</c>: append N entries now;
/// with <c>&amp;backdate_secs=S</c> their timestamps are spread over the past S seconds (the backlog of an outage).</item>
/// <item><c>POST /control/logs/{name}/rate?entries_per_second=R</c>: growth rate from now on (0 pauses the log).</item>
/// </list>
/// </summary>
internal static class ControlApi
{
    public const string Prefix = "/control/logs";

    public static IEndpointRouteBuilder MapSimulatorControl(this IEndpointRouteBuilder app, SimulatedLogRegistry registry)
    {
        app.MapGet(Prefix + "/{name}", (string name) => Answer(registry, name, _ => null));
        app.MapPost(Prefix + "/{name}/grow", (string name, long count, [FromQuery(Name = "backdate_secs")] double? backdateSecs) =>
            count < 0 || backdateSecs is <= 0 or double.NaN or double.PositiveInfinity
                ? Results.BadRequest("count must be >= 0 and backdate_secs > 0")
                : Answer(registry, name, log => backdateSecs is { } secs
                    ? log.GrowBackdated(count, TimeSpan.FromSeconds(secs))
                    : log.Grow(count)));
        app.MapPost(Prefix + "/{name}/rate", (string name, [FromQuery(Name = "entries_per_second")] double rate) =>
            double.IsNaN(rate) || double.IsInfinity(rate) || rate < 0
                ? Results.BadRequest("entries_per_second must be a finite number >= 0")
                : Answer(registry, name, log =>
                {
                    log.EntriesPerSecond = rate;
                    return null;
                }));
        return app;
    }

    private static IResult Answer(SimulatedLogRegistry registry, string name, Func<SimulatedLog, long?> change)
    {
        var logs = name == "*" ? registry.Snapshot() : registry.Find(name) is { } one ? [one] : [];
        if (logs.Count == 0)
        {
            return Results.NotFound($"no log named '{name}'");
        }

        foreach (var log in logs)
        {
            change(log);
        }

        var body = JsonBody.Write(w =>
        {
            w.WriteStartArray();
            foreach (var log in logs)
            {
                w.WriteStartObject();
                w.WriteString("name", log.Name);
                w.WriteString("url", log.Url);
                w.WriteNumber("tree_size", log.TreeSize);
                w.WriteString("entries_per_second", log.EntriesPerSecond.ToString(CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        return Results.Bytes(body, SimResponse.Json);
    }
}
