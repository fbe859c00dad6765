using CertStream.Proxy;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGatewayProxy();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapReverseProxy();
app.Run();
