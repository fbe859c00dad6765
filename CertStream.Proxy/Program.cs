using CertStream.Proxy;

return CertStreamServiceRunner.Run("certstream-proxy", "urls (ASPNETCORE_URLS)", args, args =>
{
    var builder = WebApplication.CreateBuilder(args);
    // For log_level (CERTSTREAM_LOG_LEVEL) and the production log levels, as in the other services.
    builder.AddCertStreamConfiguration();
    builder.AddServiceDefaults();
    builder.AddGatewayProxy();

    var app = builder.Build();
    app.MapDefaultEndpoints();
    app.MapReverseProxy();
    return app;
});
