using CertStream.CtLogSimulator;

// A simulated CT log server: `dotnet run --project CertStream.CtLogSimulator --urls http://127.0.0.1:5184`,
// then point the ingestor's CERTSTREAM_CT_LOGS_URL at http://127.0.0.1:5184/log_list.json.
// Configuration: the `Simulator` section, documented on CertStream.CtLogSimulator.Configuration.SimulatorOptions.
// The service runner: --validate-config, --version, --help, and exit codes like the other services.
return CertStreamServiceRunner.Run("certstream-ct-log-simulator", "urls (ASPNETCORE_URLS)", args, args =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.Configuration.AddSimulatorDefaults();
    builder.AddBasicServiceDefaults();
    builder.Services.AddCtLogSimulator();

    var app = builder.Build();
    app.MapDefaultEndpoints();
    app.MapCtLogSimulator();
    return app;
});
