namespace CertStream.Ingestor;

/// <summary>Builds the ingestor host; Program.cs runs it and tests start it in-process on real sockets.</summary>
public static class IngestorApp
{
    /// <summary>The settings that choose the HTTP address (/health, /metrics) unless ASP.NET Core's are given.</summary>
    public const string ListenSetting = Options.IngestorHttpOptions.ListenSetting;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddCertStreamConfiguration();
        configure?.Invoke(builder);
        builder.AddServiceDefaults();
        builder.AddIngestor();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }
}
