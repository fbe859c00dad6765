using CertStream.Gateway;

return CertStreamServiceRunner.Run("certstream-gateway", GatewayServiceCollectionExtensions.ListenSetting, args, args =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddGateway();
    var app = builder.Build();
    app.MapGatewayEndpoints();
    return app;
});
